//! Module 3, pipeline quality and hygiene. (Being built: see the attention filter interface.)

use super::context::Context;
use super::{EvidenceRef, Exclusion, Insight};

/// One attention filter of the settings and the open deals of the current snapshot that match it.
pub(super) struct AttentionFilter {
    /// Machine key (`stage_age`, `close_date_past`, `no_activity`, `pushes`).
    pub key: &'static str,
    /// The condition in words, with its threshold ("days in the current stage above the 90th
    /// percentile of the team's days in that stage").
    pub description: String,
    pub setting_name: &'static str,
    pub setting_value: f64,
    pub matches: Vec<AttentionMatch>,
    /// Open deals the filter could not be applied to, by reason.
    pub excluded: Vec<Exclusion>,
}

pub(super) struct AttentionMatch {
    pub record_id: String,
    pub evidence: Vec<EvidenceRef>,
}

pub(super) fn attention_filters(_context: &Context) -> Vec<AttentionFilter> {
    Vec::new()
}

pub(super) fn insights(_context: &Context) -> Vec<Insight> {
    Vec::new()
}
