//! STUB: being written.

use serde::Serialize;

use super::Ctx;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Cache {}

pub fn analyze(_ctx: &Ctx) -> Cache {
    Cache::default()
}
