//! Drawing up a column mapping for a file whose header Lens did not recognise on its own.
//!
//! When an import fails with [`ImportError::UnknownFormat`] or [`ImportError::MissingColumn`], the
//! panel shows a small form: the kind of table, and for each field of that kind the column that
//! holds it. [`MappingDraft::new`] fills the form with what the header's names suggest (the same
//! synonyms the importer uses, or the field's own key); [`MappingDraft::to_mapping`] turns the
//! user's choices into the [`Mapping`] a mapping file would give, refusing a form that leaves a
//! needed field without a column or gives one column to two fields.
//!
//! A mapping is remembered per header: [`header_signature`] is the same for two files whose
//! headers are the same names in the same order, whatever their case and punctuation.

use serde::{Deserialize, Serialize};

use super::ImportError;
use super::fields::{FieldSpec, TableKind, field_for_header, normalize};
use super::mapping::{Mapping, MappingError};

impl ImportError {
    /// The header of a file that a column mapping could make readable: a header no format
    /// matches, or one that lacks a column its kind cannot do without.
    pub fn unmapped_headers(&self) -> Option<&[String]> {
        match self {
            ImportError::UnknownFormat { headers } | ImportError::MissingColumn { headers, .. } => {
                Some(headers)
            }
            _ => None,
        }
    }
}

/// The key a mapping is remembered under: the header's names, normalised, in order.
pub fn header_signature(headers: &[String]) -> String {
    headers
        .iter()
        .map(|header| normalize(header))
        .collect::<Vec<_>>()
        .join(",")
}

/// The mapping form's state: a kind, the file's header, and a column (or none) for each field.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingDraft {
    pub kind: TableKind,
    pub headers: Vec<String>,
    pub fields: Vec<DraftField>,
}

/// One field of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct DraftField {
    /// The field's key, as in mapping files (`close_date`).
    pub key: &'static str,
    /// Whether rows of this kind cannot be stored without it (or without one of its alternatives).
    pub required: bool,
    /// The other fields that can stand in for it when it is needed ("name" for "id").
    pub alternatives: Vec<&'static str>,
    /// The header of the column chosen for it.
    pub header: Option<String>,
}

impl MappingDraft {
    /// A form for `headers`, for `kind` or, when `None`, for the kind most of the header's names
    /// belong to; each field is given the first unused column whose name means it.
    pub fn new(headers: &[String], kind: Option<TableKind>) -> MappingDraft {
        let kind = kind.unwrap_or_else(|| likely_kind(headers));
        let normalized: Vec<String> = headers.iter().map(|header| normalize(header)).collect();
        let mut taken = vec![false; headers.len()];
        let fields = kind
            .fields()
            .iter()
            .map(|spec| {
                let column = normalized
                    .iter()
                    .enumerate()
                    .position(|(column, name)| !taken[column] && names_field(spec, name));
                if let Some(column) = column {
                    taken[column] = true;
                }
                let group = required_group(kind, spec.key);
                DraftField {
                    key: spec.key,
                    required: group.is_some(),
                    alternatives: group
                        .unwrap_or_default()
                        .iter()
                        .copied()
                        .filter(|key| *key != spec.key)
                        .collect(),
                    header: column.map(|column| headers[column].clone()),
                }
            })
            .collect();
        MappingDraft {
            kind,
            headers: headers.to_vec(),
            fields,
        }
    }

    /// Chooses a column for a field (`None` leaves the field unread). Unknown keys are ignored.
    pub fn choose(&mut self, key: &str, header: Option<String>) {
        if let Some(field) = self.fields.iter_mut().find(|field| field.key == key) {
            field.header = header;
        }
    }

    /// The needed fields still without a column, each group of alternatives as "id or name".
    pub fn missing(&self) -> Vec<String> {
        self.kind
            .required_fields()
            .iter()
            .filter(|alternatives| {
                alternatives.iter().all(|key| {
                    self.fields
                        .iter()
                        .all(|field| field.key != *key || field.header.is_none())
                })
            })
            .map(|alternatives| alternatives.join(" or "))
            .collect()
    }

    /// The mapping the form describes.
    pub fn to_mapping(&self) -> Result<Mapping, MappingError> {
        let missing = self.missing();
        if !missing.is_empty() {
            return Err(MappingError {
                message: format!(
                    "{} needs a column for {}",
                    self.kind.label(),
                    missing.join(", and for ")
                ),
            });
        }
        let mut columns: Vec<(String, String)> = Vec::new();
        for field in &self.fields {
            let Some(header) = &field.header else {
                continue;
            };
            if let Some((other, _)) = columns.iter().find(|(_, chosen)| chosen == header) {
                return Err(MappingError {
                    message: format!(
                        "the column \"{header}\" is chosen for both {other} and {}",
                        field.key
                    ),
                });
            }
            columns.push((field.key.to_string(), header.clone()));
        }
        // The order a mapping file gives them, so a mapping written out and read back is equal.
        columns.sort();
        Ok(Mapping {
            kind: Some(self.kind),
            columns,
            ..Mapping::default()
        })
    }
}

/// The mappings the user made, each kept for files whose header has its signature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RememberedMappings {
    pub entries: Vec<RememberedMapping>,
}

/// One remembered mapping. It is kept as the structure itself rather than as mapping-file text,
/// so the panel never needs the TOML reader.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RememberedMapping {
    /// [`header_signature`] of the header it was made for.
    pub signature: String,
    pub kind: TableKind,
    /// The file it was made for, to tell the user where it came from.
    pub file_name: String,
    pub mapping: Mapping,
}

impl RememberedMappings {
    /// The mapping remembered for this header, if any.
    pub fn find(&self, headers: &[String]) -> Option<&RememberedMapping> {
        let signature = header_signature(headers);
        self.entries
            .iter()
            .find(|entry| entry.signature == signature)
    }

    /// Keeps `mapping` for files with this header, replacing one kept for the same header.
    pub fn remember(
        &mut self,
        headers: &[String],
        file_name: &str,
        kind: TableKind,
        mapping: &Mapping,
    ) {
        let signature = header_signature(headers);
        self.forget(&signature);
        self.entries.push(RememberedMapping {
            signature,
            kind,
            file_name: file_name.to_string(),
            mapping: mapping.clone(),
        });
    }

    /// Forgets the mapping kept under `signature`; true when there was one.
    pub fn forget(&mut self, signature: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|entry| entry.signature != signature);
        self.entries.len() != before
    }
}

fn names_field(spec: &FieldSpec, normalized: &str) -> bool {
    !normalized.is_empty()
        && (spec.synonyms.contains(&normalized) || normalize(spec.key) == normalized)
}

/// The group of needed fields `key` belongs to, if it is needed.
fn required_group(kind: TableKind, key: &str) -> Option<&'static [&'static str]> {
    kind.required_fields()
        .iter()
        .copied()
        .find(|alternatives| alternatives.contains(&key))
}

/// The kind whose fields most of the header's names mean; opportunities when none stands out.
fn likely_kind(headers: &[String]) -> TableKind {
    let normalized: Vec<String> = headers.iter().map(|header| normalize(header)).collect();
    let mut best = (0, TableKind::Opportunities);
    for kind in TableKind::ALL {
        let hits = normalized
            .iter()
            .filter(|name| field_for_header(kind, name).is_some())
            .count();
        if hits > best.0 {
            best = (hits, kind);
        }
    }
    best.1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::{ImportOptions, import_file};

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| (*name).to_string()).collect()
    }

    #[test]
    fn a_draft_suggests_the_columns_whose_names_mean_a_field() {
        let headers = strings(&["Engagement", "Milestone", "Amount", "Close Date"]);
        let draft = MappingDraft::new(&headers, None);
        assert_eq!(draft.kind, TableKind::Opportunities);
        let chosen = |key: &str| {
            draft
                .fields
                .iter()
                .find(|field| field.key == key)
                .and_then(|field| field.header.clone())
        };
        assert_eq!(chosen("amount").as_deref(), Some("Amount"));
        assert_eq!(chosen("close_date").as_deref(), Some("Close Date"));
        assert_eq!(chosen("name"), None);
        assert_eq!(draft.missing(), vec!["id or name".to_string()]);
        let id = draft.fields.iter().find(|field| field.key == "id").unwrap();
        assert_eq!(id.alternatives, vec!["name"]);
        assert!(
            draft
                .fields
                .iter()
                .filter(|field| field.required)
                .map(|field| field.key)
                .eq(["id", "name"])
        );
    }

    #[test]
    fn the_kind_follows_the_header_when_not_given() {
        let headers = strings(&["ticket_id", "account_id", "opened", "severity"]);
        assert_eq!(MappingDraft::new(&headers, None).kind, TableKind::Tickets);
        assert_eq!(
            MappingDraft::new(&headers, Some(TableKind::Accounts)).kind,
            TableKind::Accounts
        );
    }

    #[test]
    fn a_form_without_a_needed_field_or_with_a_column_twice_is_refused() {
        let headers = strings(&["Engagement", "Milestone", "Worth"]);
        let mut draft = MappingDraft::new(&headers, Some(TableKind::Opportunities));
        assert_eq!(
            draft.to_mapping().unwrap_err().message,
            "opportunities needs a column for id or name"
        );
        draft.choose("name", Some("Engagement".into()));
        draft.choose("stage", Some("Engagement".into()));
        assert_eq!(
            draft.to_mapping().unwrap_err().message,
            "the column \"Engagement\" is chosen for both name and stage"
        );
    }

    #[test]
    fn the_mapping_of_a_form_imports_the_file_and_survives_a_round_trip_through_toml() {
        let csv = "Engagement,Milestone,Worth,Expected\nAcme renewal,Proposal,1200,2026-03-01\n\
                   Globex,Closed Won,800,2026-02-01\n";
        let error = import_file("deals.csv", csv.as_bytes(), &ImportOptions::default())
            .expect_err("no format has these columns");
        let headers = error.unmapped_headers().expect("a header to map").to_vec();
        assert_eq!(
            headers,
            strings(&["Engagement", "Milestone", "Worth", "Expected"])
        );

        let mut draft = MappingDraft::new(&headers, None);
        draft.choose("name", Some("Engagement".into()));
        draft.choose("stage", Some("Milestone".into()));
        draft.choose("amount", Some("Worth".into()));
        draft.choose("close_date", Some("Expected".into()));
        let mapping = draft.to_mapping().unwrap();
        let text = mapping.to_toml();
        assert_eq!(Mapping::from_toml(&text).unwrap(), mapping, "{text}");

        let options = ImportOptions {
            mapping: Some(mapping),
            ..ImportOptions::default()
        };
        let report = import_file("deals.csv", csv.as_bytes(), &options).unwrap();
        assert_eq!((report.data_rows, report.stored_rows), (2, 2));
        let first = &report.data.opportunities[0];
        assert_eq!(first.name, "Acme renewal");
        assert_eq!(first.amount, Some(1200.0));
    }

    #[test]
    fn a_missing_needed_column_offers_the_header_for_mapping() {
        let csv = "Ticket ID,Account ID,Severity\nT1,A1,2\n";
        let error = import_file("tickets.csv", csv.as_bytes(), &ImportOptions::default())
            .expect_err("a tickets table without an opened column");
        assert!(
            matches!(
                error,
                ImportError::MissingColumn {
                    kind: TableKind::Tickets,
                    ..
                }
            ),
            "{error}"
        );
        let headers = error.unmapped_headers().expect("a header to map").to_vec();
        assert_eq!(headers, strings(&["Ticket ID", "Account ID", "Severity"]));
        let draft = MappingDraft::new(&headers, None);
        assert_eq!(draft.kind, TableKind::Tickets);
        assert_eq!(draft.missing(), vec!["opened".to_string()]);
    }

    #[test]
    fn a_remembered_mapping_is_found_for_the_same_header_only() {
        let headers = strings(&["Engagement", "Milestone"]);
        let mut draft = MappingDraft::new(&headers, Some(TableKind::Opportunities));
        draft.choose("name", Some("Engagement".into()));
        draft.choose("stage", Some("Milestone".into()));
        let mapping = draft.to_mapping().unwrap();
        let mut remembered = RememberedMappings::default();
        remembered.remember(&headers, "q1.csv", TableKind::Opportunities, &mapping);
        remembered.remember(&headers, "q2.csv", TableKind::Opportunities, &mapping);
        assert_eq!(remembered.entries.len(), 1, "the same header is kept once");

        let entry = remembered
            .find(&strings(&["engagement", "MILESTONE"]))
            .unwrap();
        assert_eq!(entry.file_name, "q2.csv");
        assert_eq!(entry.mapping, mapping);
        assert!(
            remembered
                .find(&strings(&["Milestone", "Engagement"]))
                .is_none()
        );

        let signature = entry.signature.clone();
        assert!(remembered.forget(&signature));
        assert!(remembered.find(&headers).is_none());
        assert!(!remembered.forget(&signature));
    }

    #[test]
    fn the_signature_ignores_case_and_punctuation_but_not_order() {
        let one = header_signature(&strings(&["Close Date", "Deal"]));
        assert_eq!(one, header_signature(&strings(&["close_date", "DEAL"])));
        assert_ne!(one, header_signature(&strings(&["Deal", "Close Date"])));
    }
}
