//! Lens's analytics core: CRM exports in, typed data and descriptive analytics out.
//!
//! This crate is pure: it never touches a browser API, never reads a clock (the as-of date is
//! always passed in) and does no IO (bytes in, values out). The extension and the `lens` command
//! are thin shells around it.

pub mod import;
pub mod model;
