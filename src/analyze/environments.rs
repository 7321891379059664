//! STUB: being written.

use serde::Serialize;

use super::Ctx;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Environments {}

pub fn analyze(_ctx: &Ctx) -> Environments {
    Environments::default()
}
