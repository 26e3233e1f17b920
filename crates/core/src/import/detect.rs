//! Recognising a table from its header row: which system wrote it, what kind of records it holds,
//! and which column carries which canonical field.
//!
//! Vendor signatures come first (a Salesforce OpportunityHistory export also has `Amount` and
//! `StageName`, so it must be told apart from an opportunity list before synonyms are tried);
//! then Lens's own shapes; then synonyms alone. A [`Mapping`] can name the kind and any column.

use std::collections::HashMap;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::fields::{self, TableKind, ValueType, evidence_for_header, field_for_header, normalize};
use super::mapping::Mapping;
use super::{Format, ImportError, Source};
use crate::model::{EvidenceFields, intern};

/// Which column holds which field, for one file.
#[derive(Debug, Clone, Default)]
pub(crate) struct ColumnMap {
    by_key: FxHashMap<&'static str, usize>,
    /// Evidence fields: (canonical name, column); sorted by name once detection is done.
    pub evidence: Vec<(Arc<str>, usize)>,
    /// HubSpot "Date entered <stage>" / "Date exited <stage>" columns.
    pub stage_dates: Vec<StageDateColumn>,
    /// A "<Label> Currency" column that carries the currency of the amount column.
    pub amount_currency: Option<usize>,
    /// (header, field) for every column in use, in column order.
    pub described: Vec<(String, String)>,
    pub unused: Vec<String>,
    pub duplicate_headers: Vec<(usize, String)>,
}

#[derive(Debug, Clone)]
pub(crate) struct StageDateColumn {
    pub stage: String,
    pub column: usize,
    pub entered: bool,
}

impl ColumnMap {
    pub fn get(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// The columns of fields read as dates or timestamps, for the day/month inference.
    pub fn date_columns(&self, kind: TableKind) -> Vec<usize> {
        let mut columns: Vec<usize> = kind
            .fields()
            .iter()
            .filter(|spec| matches!(spec.value_type, ValueType::Date | ValueType::DateTime))
            .filter_map(|spec| self.get(spec.key))
            .collect();
        columns.extend(self.stage_dates.iter().map(|column| column.column));
        columns.sort_unstable();
        columns
    }

    /// The columns of fields read as numbers, amounts or percentages, for the decimal mark.
    pub fn number_columns(&self, kind: TableKind) -> Vec<(usize, ValueType)> {
        let mut columns: Vec<(usize, ValueType)> = kind
            .fields()
            .iter()
            .filter(|spec| {
                matches!(
                    spec.value_type,
                    ValueType::Number | ValueType::Money | ValueType::Percent
                )
            })
            .filter_map(|spec| Some((self.get(spec.key)?, spec.value_type)))
            .collect();
        columns.sort_unstable_by_key(|(column, _)| *column);
        columns
    }
}

pub(crate) struct Detected {
    pub format: Format,
    pub columns: ColumnMap,
}

/// Detects the format from one candidate header row. `Ok(None)` means this row is not a header
/// Lens recognises; a mapping that names a missing column is an error.
pub(crate) fn detect(
    headers: &[String],
    mapping: Option<&Mapping>,
) -> Result<Option<Detected>, ImportError> {
    let normalized: Vec<String> = headers.iter().map(|header| normalize(header)).collect();
    let recognised = recognise(&normalized);
    let recognised_kind = recognised.as_ref().map(|(_, kind, _)| *kind);
    let (source, kind, overrides) = match (mapping.and_then(|mapping| mapping.kind), recognised) {
        (Some(kind), Some((source, detected_kind, overrides))) if kind == detected_kind => {
            (source, kind, overrides)
        }
        (Some(kind), _) => (Source::Generic, kind, Vec::new()),
        (None, Some(found)) => found,
        (None, None) if mapping.is_some_and(|mapping| !mapping.columns.is_empty()) => {
            (Source::Generic, TableKind::Opportunities, Vec::new())
        }
        (None, None) => return Ok(None),
    };
    let columns = map_columns(headers, &normalized, kind, &overrides, mapping)?;
    // A kind named by a mapping alone needs a row that names at least two of its fields: a
    // report title above the header is not a header.
    if recognised_kind != Some(kind) && columns.by_key.len() < 2 {
        return Ok(None);
    }
    Ok(Some(Detected {
        format: Format { source, kind },
        columns,
    }))
}

type Recognised = (Source, TableKind, Vec<(&'static str, &'static str)>);

/// The vendor signatures, then Lens's shapes, then synonyms.
fn recognise(normalized: &[String]) -> Option<Recognised> {
    let has = |name: &str| normalized.iter().any(|header| header == name);
    let has_any = |names: &[&str]| names.iter().any(|name| has(name));
    let salesforce_history_marker = has_any(&[
        "fromopportunitystagename",
        "validthroughdate",
        "opportunityhistorykey",
        "prevamount",
        "fromforecastcategory",
    ]);
    let found = if has("fivetranstart") && has("stagename") && has("id") {
        // Fivetran's history mode: each row is a version of the opportunity, valid from `_fivetran_start`.
        (
            Source::Generic,
            TableKind::OpportunityHistory,
            vec![("opportunity_id", "id"), ("at", "fivetranstart")],
        )
    } else if has("opportunityid") && has("field") && has_any(&["oldvalue", "newvalue"]) {
        (
            Source::SalesforceDataExport,
            TableKind::FieldHistory,
            Vec::new(),
        )
    } else if has("opportunityid")
        && (salesforce_history_marker || (has("createddate") && has("stagename") && !has("name")))
    {
        (
            Source::SalesforceDataExport,
            TableKind::OpportunityHistory,
            Vec::new(),
        )
    } else if has("recordid") && has_any(&["dealname", "dealstage"]) {
        (Source::HubSpot, TableKind::Opportunities, Vec::new())
    } else if has("topic") && has_any(&["estrevenue", "estclosedate"]) {
        (Source::Dynamics365, TableKind::Opportunities, Vec::new())
    } else if has("stagename") && has("id") && has("name") {
        // Fivetran lands Salesforce's API names in snake_case; the values are the same.
        let source = if has("fivetransynced") {
            Source::Generic
        } else {
            Source::SalesforceDataExport
        };
        (source, TableKind::Opportunities, Vec::new())
    } else if has("opportunityname") && has("stage") {
        (
            Source::SalesforceReport,
            TableKind::Opportunities,
            Vec::new(),
        )
    } else if has("parentroleid") && has("id") {
        (Source::SalesforceDataExport, TableKind::Roles, Vec::new())
    } else if has("id") && has("name") && has_any(&["userroleid", "managerid", "username"]) {
        (Source::SalesforceDataExport, TableKind::Users, Vec::new())
    } else if has("id")
        && has("name")
        && has_any(&["billingcity", "billingcountry", "industry", "accountnumber"])
    {
        (
            Source::SalesforceDataExport,
            TableKind::Accounts,
            Vec::new(),
        )
    } else if has("subscriptionid") && has_any(&["startdate", "enddate"]) {
        (Source::Lens, TableKind::Subscriptions, Vec::new())
    } else if has_any(&["usagedate", "usagecount"]) {
        (Source::Lens, TableKind::Usage, Vec::new())
    } else if has("ticketid") && has("accountid") {
        (Source::Lens, TableKind::Tickets, Vec::new())
    } else if has("accountid")
        && has_any(&[
            "pilotstart",
            "pilotend",
            "securityreviewstart",
            "securityreviewend",
            "activationdate",
            "contractdate",
            "eligibledate",
        ])
    {
        // Before churn events: a milestones table has a churn date column too.
        (Source::Lens, TableKind::ProgramMilestones, Vec::new())
    } else if has("churndate") && has("accountid") {
        (Source::Lens, TableKind::ChurnEvents, Vec::new())
    } else if has("experimentid") && has("arm") {
        (Source::Lens, TableKind::ExperimentAssignments, Vec::new())
    } else if has("accountid")
        && has("accountname")
        && !has_any(&["stage", "stagename", "dealstage"])
    {
        (Source::Lens, TableKind::Accounts, Vec::new())
    } else if is_generic_opportunity_list(normalized) {
        (Source::Generic, TableKind::Opportunities, Vec::new())
    } else {
        return None;
    };
    Some(found)
}

/// Any table with a stage, something that names the deal, and an amount or a close date.
fn is_generic_opportunity_list(normalized: &[String]) -> bool {
    let has_field = |key: &str| {
        normalized.iter().any(|header| {
            field_for_header(TableKind::Opportunities, header).is_some_and(|spec| spec.key == key)
        })
    };
    has_field("stage")
        && (has_field("name") || has_field("id"))
        && (has_field("amount") || has_field("close_date"))
}

fn map_columns(
    headers: &[String],
    normalized: &[String],
    kind: TableKind,
    overrides: &[(&'static str, &'static str)],
    mapping: Option<&Mapping>,
) -> Result<ColumnMap, ImportError> {
    let mut columns = ColumnMap::default();
    let mut seen_headers: HashMap<&str, usize> = HashMap::new();
    let mut assigned: Vec<Option<String>> = vec![None; headers.len()];

    // A mapping's explicit names come first, then the format's own overrides, then synonyms.
    if let Some(mapping) = mapping {
        for (key, header) in &mapping.columns {
            let spec = fields::field_spec(kind, key).ok_or_else(|| ImportError::Mapping {
                detail: format!(
                    "\"{key}\" is not a field of {} (fields: {})",
                    kind.label(),
                    field_keys(kind)
                ),
            })?;
            let column =
                find_header(headers, normalized, header).ok_or_else(|| ImportError::Mapping {
                    detail: format!("the column \"{header}\" named for {key} is not in the header"),
                })?;
            columns.by_key.insert(spec.key, column);
            assigned[column] = Some(spec.key.to_string());
        }
        for (name, header) in &mapping.evidence {
            let column =
                find_header(headers, normalized, header).ok_or_else(|| ImportError::Mapping {
                    detail: format!(
                        "the column \"{header}\" named for evidence \"{name}\" is not in the header"
                    ),
                })?;
            columns.evidence.push((intern(name), column));
            assigned[column] = Some(format!("evidence: {name}"));
        }
    }
    for (key, header) in overrides {
        if columns.by_key.contains_key(key) {
            continue;
        }
        if let Some(column) = normalized.iter().position(|name| name == header) {
            columns.by_key.insert(key, column);
            assigned[column] = Some((*key).to_string());
        }
    }
    for (column, name) in normalized.iter().enumerate() {
        if assigned[column].is_some() || name.is_empty() {
            continue;
        }
        if seen_headers.contains_key(name.as_str()) {
            columns
                .duplicate_headers
                .push((column, headers[column].clone()));
            continue;
        }
        seen_headers.insert(name.as_str(), column);
        if let Some(spec) = field_for_header(kind, name)
            && let std::collections::hash_map::Entry::Vacant(entry) = columns.by_key.entry(spec.key)
        {
            entry.insert(column);
            assigned[column] = Some(spec.key.to_string());
            continue;
        }
        if kind == TableKind::Opportunities {
            if let Some(evidence) = evidence_for_header(name)
                && !columns
                    .evidence
                    .iter()
                    .any(|(existing, _)| &**existing == evidence)
            {
                columns.evidence.push((intern(evidence), column));
                assigned[column] = Some(format!("evidence: {evidence}"));
                continue;
            }
            if let Some(stage_date) = stage_date_column(&headers[column], column) {
                assigned[column] = Some(format!(
                    "stage {} date: {}",
                    if stage_date.entered {
                        "entered"
                    } else {
                        "exited"
                    },
                    stage_date.stage
                ));
                columns.stage_dates.push(stage_date);
            }
        }
    }
    // "<Label> Currency" beside the amount column carries the amount's currency
    // (Salesforce multi-currency reports).
    if kind == TableKind::Opportunities
        && columns.get("currency").is_none()
        && let Some(amount_column) = columns.get("amount")
    {
        let wanted = format!("{}currency", normalized[amount_column]);
        if let Some(column) = normalized.iter().position(|name| *name == wanted) {
            columns.amount_currency = Some(column);
            assigned[column] = Some("currency".to_string());
        }
    }
    for (column, header) in headers.iter().enumerate() {
        match &assigned[column] {
            Some(field) => columns.described.push((header.clone(), field.clone())),
            None if !header.trim().is_empty() => columns.unused.push(header.clone()),
            None => {}
        }
    }
    columns.evidence = EvidenceFields::sorted_names(std::mem::take(&mut columns.evidence));
    Ok(columns)
}

/// HubSpot's stage-calculated properties: "Date entered <stage> (<pipeline>)" and "Date exited …".
fn stage_date_column(header: &str, column: usize) -> Option<StageDateColumn> {
    let trimmed = header.trim();
    let lower = trimmed.to_lowercase();
    let (rest, entered) = if lower.starts_with("date entered ") {
        (&trimmed["date entered ".len()..], true)
    } else if lower.starts_with("date exited ") {
        (&trimmed["date exited ".len()..], false)
    } else {
        return None;
    };
    let stage = rest.trim().trim_matches(|c| c == '"' || c == '\'');
    // "Closed Won (Sales Pipeline)": the pipeline name in parentheses is not part of the stage.
    let stage = match stage.rfind(" (") {
        Some(position) if stage.ends_with(')') => &stage[..position],
        _ => stage,
    };
    (!stage.is_empty()).then(|| StageDateColumn {
        stage: stage.to_string(),
        column,
        entered,
    })
}

fn find_header(headers: &[String], normalized: &[String], wanted: &str) -> Option<usize> {
    headers
        .iter()
        .position(|header| header.trim() == wanted.trim())
        .or_else(|| {
            let wanted = normalize(wanted);
            normalized.iter().position(|name| *name == wanted)
        })
}

fn field_keys(kind: TableKind) -> String {
    kind.fields()
        .iter()
        .map(|spec| spec.key)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_of(header: &str) -> Option<(Source, TableKind)> {
        let headers: Vec<String> = header.split(',').map(str::to_string).collect();
        detect(&headers, None)
            .unwrap()
            .map(|detected| (detected.format.source, detected.format.kind))
    }

    #[test]
    fn vendor_signatures() {
        assert_eq!(
            kind_of(
                "Id,OpportunityId,CreatedDate,StageName,Amount,CloseDate,FromOpportunityStageName"
            ),
            Some((Source::SalesforceDataExport, TableKind::OpportunityHistory))
        );
        assert_eq!(
            kind_of("Opportunity Owner,Account Name,Opportunity Name,Stage,Amount,Close Date"),
            Some((Source::SalesforceReport, TableKind::Opportunities))
        );
        assert_eq!(
            kind_of("Record ID,Deal Name,Deal Stage,Close Date,Deal owner,Amount"),
            Some((Source::HubSpot, TableKind::Opportunities))
        );
        assert_eq!(
            kind_of("Topic,Potential Customer,Est. close date,Est. revenue,Probability"),
            Some((Source::Dynamics365, TableKind::Opportunities))
        );
        assert_eq!(
            kind_of(
                "opportunity_id,sales_agent,product,account,deal_stage,engage_date,close_date,close_value"
            ),
            Some((Source::Generic, TableKind::Opportunities))
        );
        assert_eq!(kind_of("Id,TableEnumOrId,FieldEnumOrId"), None);
    }

    #[test]
    fn multi_currency_column_and_duplicates() {
        let headers: Vec<String> = "Opportunity ID,Opportunity Name,Stage,Total Amount Currency,Total Amount,Opportunity ID"
            .split(',')
            .map(str::to_string)
            .collect();
        let detected = detect(&headers, None).unwrap().unwrap();
        assert_eq!(detected.columns.get("amount"), Some(4));
        assert_eq!(detected.columns.amount_currency, Some(3));
        assert_eq!(
            detected.columns.duplicate_headers,
            vec![(5, "Opportunity ID".to_string())]
        );
    }

    #[test]
    fn hubspot_stage_dates() {
        let column = stage_date_column("Date entered Closed Won (Sales Pipeline)", 7).unwrap();
        assert_eq!(
            (column.stage.as_str(), column.entered),
            ("Closed Won", true)
        );
    }
}
