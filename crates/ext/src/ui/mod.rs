//! The panel's screens, one component per file.
//!
//! Components render core values and browser input; any decision that is not about rendering
//! belongs in `lens-core`.

pub mod app;
pub mod import;
pub mod record;
