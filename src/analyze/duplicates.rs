//! STUB: being written.

use serde::Serialize;

use super::Ctx;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Duplicates {}

pub fn analyze(_ctx: &Ctx) -> Duplicates {
    Duplicates::default()
}
