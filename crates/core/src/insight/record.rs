//! Module 11, the record view (core side). (Being built.)

use serde::{Deserialize, Serialize};

/// A label and the value shown beside it on a CRM record page, as the content script read them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageField {
    pub label: String,
    pub value: String,
}

/// What the content script read from the record page on screen.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PageRecord {
    pub record_id: Option<String>,
    pub name: Option<String>,
    pub fields: Vec<PageField>,
}

/// Everything known about one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordView {
    pub record_id: String,
}

pub fn record_view(record_id: &str) -> RecordView {
    RecordView {
        record_id: record_id.to_string(),
    }
}
