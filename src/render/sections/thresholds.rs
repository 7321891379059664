//! STUB: being written.

use super::Grid;
use crate::analyze::thresholds::Thresholds;

pub fn grids(_x: &Thresholds) -> Vec<Grid> {
    Vec::new()
}
