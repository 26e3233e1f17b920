//! Turning history exports into change events (record, field, old → new, when, by whom).
//!
//! Salesforce's OpportunityHistory writes one row per change holding the *new* values of stage,
//! amount, close date, probability and forecast category, so a row is not necessarily a stage move:
//! each field is compared with the row before it (or with the row's own `From*`/`Prev*` columns).
//! HubSpot's "Date entered <stage>" columns give one stage event per stage entered.

use chrono::NaiveDateTime;

use super::values::{self, DecimalMark, SlashOrder, format_number};
use crate::model::{HistoryEvent, HistoryField, Opportunity, SourceRef, Text};

/// One parsed OpportunityHistory row. Every row is held until all are read (events come from
/// rows in opportunity and time order), so its texts are shared ([`crate::model::SharedTexts`]:
/// a region's million rows name some sixty thousand opportunities, a few dozen users and a
/// handful of stages and categories).
#[derive(Debug, Clone)]
pub(crate) struct HistoryRow {
    pub opportunity_id: Text,
    pub at: NaiveDateTime,
    pub by: Option<Text>,
    pub stage: Option<Text>,
    pub amount: Option<f64>,
    pub close_date: Option<chrono::NaiveDate>,
    pub probability: Option<f64>,
    pub forecast_category: Option<Text>,
    pub from_stage: Option<Text>,
    pub from_forecast_category: Option<Text>,
    pub prev_amount: Option<f64>,
    pub prev_close_date: Option<chrono::NaiveDate>,
    /// The export has `From*`/`Prev*` columns, so an empty one means "no previous value".
    pub has_from_columns: bool,
    pub source: SourceRef,
}

/// The five fields an OpportunityHistory row holds, each with its value written out as text.
type RowValues = [(HistoryField, Option<Text>); 5];

impl HistoryRow {
    fn values(&self) -> RowValues {
        [
            (HistoryField::Stage, self.stage.clone()),
            (HistoryField::Amount, self.amount.map(number_text)),
            (HistoryField::CloseDate, self.close_date.map(date_text)),
            (
                HistoryField::ForecastCategory,
                self.forecast_category.clone(),
            ),
            (HistoryField::Probability, self.probability.map(number_text)),
        ]
    }

    /// The previous values this row states itself, where the export carries them.
    fn stated_previous(&self, field: &HistoryField) -> Option<Option<Text>> {
        if !self.has_from_columns {
            return None;
        }
        match field {
            HistoryField::Stage => Some(self.from_stage.clone()),
            HistoryField::Amount => Some(self.prev_amount.map(number_text)),
            HistoryField::CloseDate => Some(self.prev_close_date.map(date_text)),
            HistoryField::ForecastCategory => Some(self.from_forecast_category.clone()),
            _ => None,
        }
    }

    fn is_creation(&self) -> bool {
        self.from_stage.is_none() && self.prev_amount.is_none() && self.prev_close_date.is_none()
    }
}

fn number_text(number: f64) -> Text {
    Text::from(format_number(number))
}

fn date_text(date: chrono::NaiveDate) -> Text {
    Text::from(date.to_string())
}

/// Events from OpportunityHistory rows, in (opportunity, time, line) order, each handed to `emit`
/// as it is made (the import job encodes them into storage chunks as they come, so a million-row
/// history's events are never all held).
///
/// Each row's values are written out once (they are kept for the comparison with the next row).
pub(crate) fn events_from_rows(mut rows: Vec<HistoryRow>, emit: &mut dyn FnMut(HistoryEvent)) {
    // (opportunity, time, line) is unique to a row, so an unstable sort gives the one order, and
    // needs no buffer of half the rows as the stable sort does.
    rows.sort_unstable_by(|a, b| {
        (&a.opportunity_id, a.at, a.source).cmp(&(&b.opportunity_id, b.at, b.source))
    });
    // The row before: its opportunity and its values.
    let mut previous: Option<(Text, RowValues)> = None;
    for row in rows {
        let values = row.values();
        let earlier_values = previous
            .as_ref()
            .filter(|(opportunity_id, _)| *opportunity_id == row.opportunity_id)
            .map(|(_, values)| values);
        let event =
            |field: HistoryField, old_value: Option<Text>, new_value: Option<Text>| HistoryEvent {
                opportunity_id: row.opportunity_id.clone(),
                field,
                old_value,
                new_value,
                at: row.at,
                by: row.by.clone(),
                source: row.source,
            };
        match earlier_values {
            None if row.is_creation() => {
                emit(event(HistoryField::Created, None, row.stage.clone()))
            }
            _ => {
                for (idx, (field, new_value)) in values.iter().enumerate() {
                    let old_value = match (row.stated_previous(field), earlier_values) {
                        // The row's own From/Prev value is the CRM's word; Salesforce leaves
                        // PrevAmount empty on rows older than API v50, so fall back to the row before.
                        (Some(Some(stated)), _) => Some(stated),
                        (_, Some(earlier)) => earlier[idx].1.clone(),
                        (Some(None), None) => None,
                        (None, None) => continue,
                    };
                    // A value that was known and is now empty is a change too (an amount cleared).
                    if old_value != *new_value {
                        emit(event(field.clone(), old_value, new_value.clone()));
                    }
                }
            }
        }
        previous = Some((row.opportunity_id, values));
    }
}

/// One HubSpot stage-date cell, already parsed.
pub(crate) struct StageDateCell<'a> {
    pub stage: &'a str,
    pub entered: bool,
    pub column: usize,
    pub parsed: Result<Option<NaiveDateTime>, String>,
}

/// Stage events from HubSpot's "Date entered <stage>" cells: each entered stage, in time order,
/// with the stage entered before it as the old value. A cell that is not a date rejects the row
/// (returned as its 0-based column and the reason).
pub(crate) fn stage_date_events(
    cells: &[StageDateCell],
    opportunity: &Opportunity,
) -> Result<Vec<HistoryEvent>, (usize, String)> {
    // (when, column, stage): stages entered in the same minute keep the export's column order,
    // which is the pipeline's order.
    let mut entered: Vec<(NaiveDateTime, usize, &str)> = Vec::new();
    for cell in cells {
        match &cell.parsed {
            Err(reason) => return Err((cell.column, reason.clone())),
            Ok(Some(at)) if cell.entered => entered.push((*at, cell.column, cell.stage)),
            Ok(_) => {}
        }
    }
    entered.sort();
    let mut old_value = None;
    let mut events = Vec::with_capacity(entered.len());
    for (at, _, stage) in entered {
        events.push(HistoryEvent {
            opportunity_id: opportunity.id.clone(),
            field: HistoryField::Stage,
            old_value: old_value.take(),
            new_value: Some(Text::from(stage)),
            at,
            by: None,
            source: opportunity.source,
        });
        old_value = Some(Text::from(stage));
    }
    Ok(events)
}

/// The history field an OpportunityFieldHistory `Field` value names.
pub(crate) fn field_from_name(name: &str) -> HistoryField {
    match name.trim().to_ascii_lowercase().as_str() {
        "created" | "opportunitycreatedfromlead" => HistoryField::Created,
        "stagename" | "stage" => HistoryField::Stage,
        "amount" => HistoryField::Amount,
        "closedate" | "close date" => HistoryField::CloseDate,
        "forecastcategoryname" | "forecastcategory" | "forecast category" => {
            HistoryField::ForecastCategory
        }
        "probability" => HistoryField::Probability,
        _ => HistoryField::Other(name.trim().to_string()),
    }
}

/// Writes dates as `YYYY-MM-DD` and numbers without grouping, when the field is a date or a
/// number and the value reads as one; other values stay as written.
pub(crate) fn canonical_value(
    field: &HistoryField,
    value: &str,
    order: Option<SlashOrder>,
    decimal: Option<DecimalMark>,
) -> String {
    match field {
        HistoryField::CloseDate => match values::date(value, order) {
            Ok(Some(date)) => date.to_string(),
            _ => value.to_string(),
        },
        HistoryField::Amount => match values::money(value, decimal) {
            Ok(Some((amount, _))) => format_number(amount),
            _ => value.to_string(),
        },
        HistoryField::Probability => match values::percent(value, decimal) {
            Ok(Some(percent)) => format_number(percent),
            _ => value.to_string(),
        },
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn row(line: u64, day: u32, stage: &str, amount: f64, from_stage: Option<&str>) -> HistoryRow {
        HistoryRow {
            opportunity_id: "006A".into(),
            at: NaiveDate::from_ymd_opt(2026, 9, day)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap(),
            by: Some("005U".into()),
            stage: Some(stage.into()),
            amount: Some(amount),
            close_date: NaiveDate::from_ymd_opt(2026, 12, 1),
            probability: None,
            forecast_category: Some("Pipeline".into()),
            from_stage: from_stage.map(Text::from),
            from_forecast_category: None,
            prev_amount: None,
            prev_close_date: None,
            has_from_columns: false,
            source: SourceRef { line },
        }
    }

    #[test]
    fn consecutive_rows_become_field_changes() {
        let mut events = Vec::new();
        events_from_rows(
            vec![
                row(3, 5, "Proposal", 12_000.0, None),
                row(2, 1, "Qualification", 10_000.0, None),
            ],
            &mut |event| events.push(event),
        );
        let summary: Vec<String> = events
            .iter()
            .map(|event| {
                format!(
                    "{:?} {:?} -> {:?} @{}",
                    event.field, event.old_value, event.new_value, event.source.line
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                "Created None -> Some(\"Qualification\") @2",
                "Stage Some(\"Qualification\") -> Some(\"Proposal\") @3",
                "Amount Some(\"10000\") -> Some(\"12000\") @3",
            ]
        );
    }

    #[test]
    fn field_names_map_to_fields() {
        assert_eq!(field_from_name("StageName"), HistoryField::Stage);
        assert_eq!(
            field_from_name("Custom__c"),
            HistoryField::Other("Custom__c".into())
        );
        assert_eq!(
            canonical_value(&HistoryField::Amount, "USD 1,500.00", None, None),
            "1500"
        );
        // The file's decimal mark settles an amount that reads either way.
        let with = |mark| canonical_value(&HistoryField::Amount, "1.500", None, mark);
        assert_eq!(with(None), "1.5");
        assert_eq!(with(Some(DecimalMark::Comma)), "1500");
    }
}
