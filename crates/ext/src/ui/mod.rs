//! The panel's screens, one component per file, and the state they share.
//!
//! Components render core values and browser input; any decision that is not about rendering
//! belongs in `lens-core`.

pub mod app;
pub mod charts;
pub mod data;
pub mod import;
pub mod insights;
pub mod module;
pub mod record;
pub mod review;
pub mod settings;
pub mod state;
