//! The panel's one error type: a browser call that failed, with what the panel was doing.
//!
//! [`ExtError`] is built at the `browser.rs` boundary from a `JsValue`, so the UI only ever sees a
//! context and a sentence, never a raw JS value.

use std::fmt;

/// A failed browser call: what the panel was doing and what the browser said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtError {
    context: &'static str,
    detail: String,
}

impl ExtError {
    /// `context` completes "while …", e.g. "reading the file".
    pub fn new(context: &'static str, detail: impl Into<String>) -> ExtError {
        ExtError {
            context,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for ExtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.context, self.detail)
    }
}

impl std::error::Error for ExtError {}
