//! STUB: being written.

use serde::Serialize;

use super::Ctx;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Thresholds {}

pub fn analyze(_ctx: &Ctx) -> Thresholds {
    Thresholds::default()
}
