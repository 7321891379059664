//! STUB: being written.

use serde::Serialize;

use super::Ctx;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Reconciliation {}

pub fn analyze(_ctx: &Ctx) -> Reconciliation {
    Reconciliation::default()
}
