//! STUB: being written.

use serde::Serialize;

use super::Ctx;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Waste {}

pub fn analyze(_ctx: &Ctx) -> Waste {
    Waste::default()
}
