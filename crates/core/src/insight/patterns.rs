//! (Being built.)

use super::Insight;
use super::context::Context;

pub(super) fn insights(_context: &Context) -> Vec<Insight> {
    Vec::new()
}
