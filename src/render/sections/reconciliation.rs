//! STUB: being written.

use super::Grid;
use crate::analyze::reconciliation::Reconciliation;

pub fn grids(_x: &Reconciliation) -> Vec<Grid> {
    Vec::new()
}
