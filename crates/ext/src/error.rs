//! The panel's one error type: a browser call that failed, with what the panel was doing.
//!
//! [`ExtError`] is built at the `browser.rs` boundary from a `JsValue`, so the UI only ever sees a
//! context and a sentence, never a raw JS value. A write the browser refused because Lens's storage
//! is full is an [`ExtError::storage_full`], whose sentence stands on its own.

use std::fmt;

/// A failed browser call: what the panel was doing and what the browser said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtError {
    context: &'static str,
    detail: String,
    storage_full: bool,
}

impl ExtError {
    /// `context` completes "while …", e.g. "reading the file".
    pub fn new(context: &'static str, detail: impl Into<String>) -> ExtError {
        ExtError {
            context,
            detail: detail.into(),
            storage_full: false,
        }
    }

    /// The browser refused a write because the storage it gives Lens is full (IndexedDB's
    /// `QuotaExceededError`); `detail` says what was refused.
    pub fn storage_full(context: &'static str, detail: impl Into<String>) -> ExtError {
        ExtError {
            context,
            detail: detail.into(),
            storage_full: true,
        }
    }

    /// Whether the browser refused a write because Lens's storage is full.
    pub fn is_storage_full(&self) -> bool {
        self.storage_full
    }
}

impl fmt::Display for ExtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.storage_full {
            write!(f, "{}", self.detail)
        } else {
            write!(f, "{}: {}", self.context, self.detail)
        }
    }
}

impl std::error::Error for ExtError {}
