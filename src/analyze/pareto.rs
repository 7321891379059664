//! STUB: being written.

use serde::Serialize;

use super::Ctx;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Pareto {}

pub fn analyze(_ctx: &Ctx) -> Pareto {
    Pareto::default()
}
