//! The change ledger between two snapshots: every deal added, removed, won, lost, moved in close
//! date, amount, forecast category or stage, each change with the two rows it was read from.
//!
//! Definitions (`from` is the earlier snapshot, `to` the later; "the period" is the analysis period):
//! - **added**: the id is in `to` and not in `from`; **removed**: in `from` and not in `to` (deleted,
//!   or no longer matched by the report's filters: an export cannot tell which).
//! - **won** / **lost**: open in `from`, won / lost in `to`; **reopened**: closed in `from`, open in `to`.
//! - **pushed out**: close date inside the period in `from`, after the period's end in `to`;
//!   **pulled in**: close date after the period's end in `from`, inside the period in `to`; any
//!   other change of close date (including a past close date moved into the period) is **close
//!   date later** or **close date earlier**.
//! - **amount up** / **amount down**: both amounts known and in the same currency, and different.
//! - **category moved**: the forecast category differs (a won or lost deal's category move is part
//!   of its win or loss and is not listed again).
//! - **stage forward** / **stage back**: the stage differs and both stages have a rank
//!   ([`Context::stage_rank`]); **stage moved** when a rank is unknown. Not listed for won or lost deals.

use serde::{Deserialize, Serialize};

use super::EvidenceRef;
use super::context::{Context, DatedSnapshot, Deal};
use crate::model::{DealStatus, Text};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Won,
    Lost,
    Reopened,
    PushedOut,
    PulledIn,
    CloseDateLater,
    CloseDateEarlier,
    AmountUp,
    AmountDown,
    CategoryMoved,
    StageForward,
    StageBack,
    StageMoved,
}

impl ChangeKind {
    pub const ALL: [ChangeKind; 15] = [
        ChangeKind::Added,
        ChangeKind::Removed,
        ChangeKind::Won,
        ChangeKind::Lost,
        ChangeKind::Reopened,
        ChangeKind::PushedOut,
        ChangeKind::PulledIn,
        ChangeKind::CloseDateLater,
        ChangeKind::CloseDateEarlier,
        ChangeKind::AmountUp,
        ChangeKind::AmountDown,
        ChangeKind::CategoryMoved,
        ChangeKind::StageForward,
        ChangeKind::StageBack,
        ChangeKind::StageMoved,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Won => "won",
            ChangeKind::Lost => "lost",
            ChangeKind::Reopened => "reopened",
            ChangeKind::PushedOut => "pushed_out",
            ChangeKind::PulledIn => "pulled_in",
            ChangeKind::CloseDateLater => "close_date_later",
            ChangeKind::CloseDateEarlier => "close_date_earlier",
            ChangeKind::AmountUp => "amount_up",
            ChangeKind::AmountDown => "amount_down",
            ChangeKind::CategoryMoved => "category_moved",
            ChangeKind::StageForward => "stage_forward",
            ChangeKind::StageBack => "stage_back",
            ChangeKind::StageMoved => "stage_moved",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::Added => "Added",
            ChangeKind::Removed => "Removed",
            ChangeKind::Won => "Won",
            ChangeKind::Lost => "Lost",
            ChangeKind::Reopened => "Reopened",
            ChangeKind::PushedOut => "Pushed out of the period",
            ChangeKind::PulledIn => "Pulled into the period",
            ChangeKind::CloseDateLater => {
                "Close date later (neither pushed out of nor pulled into the period)"
            }
            ChangeKind::CloseDateEarlier => {
                "Close date earlier (neither pushed out of nor pulled into the period)"
            }
            ChangeKind::AmountUp => "Amount up",
            ChangeKind::AmountDown => "Amount down",
            ChangeKind::CategoryMoved => "Forecast category moved",
            ChangeKind::StageForward => "Stage moved forward",
            ChangeKind::StageBack => "Stage moved back",
            ChangeKind::StageMoved => "Stage moved between stages of equal or unknown rank",
        }
    }

    /// The field a change of this kind reads.
    fn field(self) -> &'static str {
        match self {
            ChangeKind::Added | ChangeKind::Removed => "id",
            ChangeKind::Won | ChangeKind::Lost | ChangeKind::Reopened => "status",
            ChangeKind::PushedOut
            | ChangeKind::PulledIn
            | ChangeKind::CloseDateLater
            | ChangeKind::CloseDateEarlier => "close_date",
            ChangeKind::AmountUp | ChangeKind::AmountDown => "amount",
            ChangeKind::CategoryMoved => "forecast_category",
            ChangeKind::StageForward | ChangeKind::StageBack | ChangeKind::StageMoved => "stage",
        }
    }
}

/// One change of one deal between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub record_id: Text,
    pub from_value: Option<Text>,
    pub to_value: Option<Text>,
    /// The deal's amount in the reporting currency in the later snapshot (the earlier one for a
    /// removed deal); `None` when unknown or in another currency.
    pub amount: Option<f64>,
    /// For amount changes: later − earlier.
    pub amount_delta: Option<f64>,
    /// The earlier row (absent for an added deal) and the later row (absent for a removed deal).
    pub evidence: Vec<EvidenceRef>,
}

/// Every change between `from` and `to`, in the order of the later snapshot (removed deals last).
pub fn ledger(context: &Context, from: &DatedSnapshot, to: &DatedSnapshot) -> Vec<Change> {
    let mut changes = Vec::new();
    for later in &to.deals {
        match from.get(&later.opp.id) {
            None => changes.push(change(
                context,
                ChangeKind::Added,
                None,
                Some(later),
                None,
                Some(later.opp.status.word().into()),
            )),
            Some(earlier) => compare(context, earlier, later, &mut changes),
        }
    }
    for earlier in &from.deals {
        if to.get(&earlier.opp.id).is_none() {
            changes.push(change(
                context,
                ChangeKind::Removed,
                Some(earlier),
                None,
                Some(earlier.opp.status.word().into()),
                None,
            ));
        }
    }
    changes
}

fn compare(context: &Context, earlier: &Deal, later: &Deal, changes: &mut Vec<Change>) {
    let (a, b) = (earlier.opp, later.opp);
    let mut push = |kind, from_value, to_value| {
        changes.push(change(
            context,
            kind,
            Some(earlier),
            Some(later),
            from_value,
            to_value,
        ))
    };
    let closed_now = a.status == DealStatus::Open && b.status != DealStatus::Open;
    match (a.status, b.status) {
        (DealStatus::Open, DealStatus::Won) => {
            push(ChangeKind::Won, a.stage.clone(), b.stage.clone())
        }
        (DealStatus::Open, DealStatus::Lost) => {
            push(ChangeKind::Lost, a.stage.clone(), b.stage.clone())
        }
        (DealStatus::Won | DealStatus::Lost, DealStatus::Open) => {
            push(ChangeKind::Reopened, a.stage.clone(), b.stage.clone())
        }
        _ => {}
    }
    if let (Some(old), Some(new)) = (a.close_date, b.close_date)
        && old != new
    {
        let period = &context.period;
        let kind = if period.contains(old) && new > period.end {
            ChangeKind::PushedOut
        } else if old > period.end && period.contains(new) {
            ChangeKind::PulledIn
        } else if new > old {
            ChangeKind::CloseDateLater
        } else {
            ChangeKind::CloseDateEarlier
        };
        push(
            kind,
            Some(old.to_string().into()),
            Some(new.to_string().into()),
        );
    }
    if let (Some(old), Some(new)) = (a.amount, b.amount)
        && old != new
        && a.currency == b.currency
    {
        let kind = if new > old {
            ChangeKind::AmountUp
        } else {
            ChangeKind::AmountDown
        };
        push(
            kind,
            Some(super::render::number(old).into()),
            Some(super::render::number(new).into()),
        );
    }
    if closed_now {
        return;
    }
    if a.forecast_category != b.forecast_category {
        push(
            ChangeKind::CategoryMoved,
            a.forecast_category.as_ref().map(|c| Text::from(c.label())),
            b.forecast_category.as_ref().map(|c| Text::from(c.label())),
        );
    }
    if a.stage != b.stage && b.status == DealStatus::Open {
        let ranks = (
            a.stage.as_deref().and_then(|s| context.stage_rank(s)),
            b.stage.as_deref().and_then(|s| context.stage_rank(s)),
        );
        let kind = match ranks {
            (Some(old), Some(new)) if new > old => ChangeKind::StageForward,
            (Some(old), Some(new)) if new < old => ChangeKind::StageBack,
            _ => ChangeKind::StageMoved,
        };
        push(kind, a.stage.clone(), b.stage.clone());
    }
}

fn change(
    context: &Context,
    kind: ChangeKind,
    earlier: Option<&Deal>,
    later: Option<&Deal>,
    from_value: Option<Text>,
    to_value: Option<Text>,
) -> Change {
    let deal = later.or(earlier).expect("a change has at least one row");
    let amount = match context.money(deal.opp) {
        super::context::Money::Counted(amount) => Some(amount),
        _ => None,
    };
    let amount_delta = match (kind, earlier, later) {
        (ChangeKind::AmountUp | ChangeKind::AmountDown, Some(a), Some(b)) => {
            Some(b.opp.amount.unwrap_or(0.0) - a.opp.amount.unwrap_or(0.0))
        }
        _ => None,
    };
    let field = kind.field();
    let mut evidence = Vec::with_capacity(2);
    if let Some(earlier) = earlier {
        evidence.push(context.row_evidence(earlier, Some(field), from_value.clone()));
    }
    if let Some(later) = later {
        evidence.push(context.row_evidence(later, Some(field), to_value.clone()));
    }
    Change {
        kind,
        record_id: deal.opp.id.clone(),
        from_value,
        to_value,
        amount,
        amount_delta,
        evidence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::insight::{Dataset, Index, Settings};
    use crate::model::{Opportunity, Snapshot};

    fn date(text: &str) -> chrono::NaiveDate {
        text.parse().unwrap()
    }

    fn snapshot(as_of: &str, close_dates: &[(&str, &str)]) -> Snapshot {
        Snapshot {
            as_of: date(as_of),
            source_file: format!("{as_of}.csv").into(),
            opportunities: close_dates
                .iter()
                .map(|(id, close)| Opportunity {
                    id: (*id).into(),
                    name: (*id).into(),
                    close_date: Some(date(close)),
                    ..Default::default()
                })
                .collect(),
        }
    }

    /// The period is 2026-10-01 to 2026-12-31. Only a move from after its end into it is a pull-in;
    /// a past close date moved into the period is a later close date, as hygiene counts it a push.
    #[test]
    fn close_date_moves_relative_to_the_period() {
        let dataset = Dataset {
            snapshots: vec![
                snapshot(
                    "2026-11-06",
                    &[
                        ("past-into", "2026-09-15"),
                        ("after-into", "2027-01-20"),
                        ("in-out", "2026-12-01"),
                        ("past-after", "2026-09-01"),
                        ("in-past", "2026-11-01"),
                    ],
                ),
                snapshot(
                    "2026-11-13",
                    &[
                        ("past-into", "2026-11-30"),
                        ("after-into", "2026-12-20"),
                        ("in-out", "2027-02-01"),
                        ("past-after", "2027-03-01"),
                        ("in-past", "2026-09-30"),
                    ],
                ),
            ],
            ..Default::default()
        };
        let index = Index::new(&dataset);
        let settings = Settings::new(date("2026-11-13"));
        let context = Context::new(&index, &settings).unwrap();
        let kinds: Vec<(Text, ChangeKind)> =
            ledger(&context, &context.snapshots[0], &context.snapshots[1])
                .into_iter()
                .map(|change| (change.record_id, change.kind))
                .collect();
        let expected = [
            ("past-into", ChangeKind::CloseDateLater),
            ("after-into", ChangeKind::PulledIn),
            ("in-out", ChangeKind::PushedOut),
            ("past-after", ChangeKind::CloseDateLater),
            ("in-past", ChangeKind::CloseDateEarlier),
        ];
        assert_eq!(
            kinds,
            expected.map(|(id, kind)| (Text::from(id), kind)).to_vec()
        );
    }
}
