//! STUB: being written.

use serde::Serialize;

use super::ops::Operations;
use super::Ctx;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Fallbacks {}

pub fn analyze(_ctx: &Ctx, _ops: &Operations) -> Fallbacks {
    Fallbacks::default()
}
