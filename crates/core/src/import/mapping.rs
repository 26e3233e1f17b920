//! Column mapping files: how a user tells Lens what the columns of an unfamiliar export mean.
//!
//! A mapping is TOML (documented with examples in `docs/mapping.md`):
//!
//! ```toml
//! kind = "opportunities"          # optional; detected from the header when absent
//! date_order = "dmy"              # optional: "dmy" or "mdy"
//! decimal_mark = ","              # optional: "," or "." (settles "1.234")
//!
//! [columns]                       # canonical field = header in the file
//! name = "Deal"
//! amount = "Total Value"
//!
//! [evidence]                      # evidence field name = header in the file
//! "Economic Buyer" = "EB"
//!
//! [stages]
//! order = ["Lead", "Qualified", "Proposal", "Signed"]
//! won = ["Signed"]
//! lost = ["Dead", "No decision"]
//!
//! [forecast_categories]           # value in the file = Pipeline | Best Case | Commit | Closed | Omitted
//! "Upside" = "Best Case"
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::DateOrder;
use super::fields::{TableKind, field_spec};
use super::values::DecimalMark;
use crate::model::ForecastCategory;

/// A parsed, validated mapping.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mapping {
    pub kind: Option<TableKind>,
    pub date_order: Option<DateOrder>,
    /// The decimal mark of numbers that could be read either way ("1.234").
    pub decimal_mark: Option<DecimalMark>,
    /// (canonical field key, header), in file order.
    pub columns: Vec<(String, String)>,
    /// (evidence field name, header).
    pub evidence: Vec<(String, String)>,
    pub stage_order: Vec<String>,
    pub won_stages: Vec<String>,
    pub lost_stages: Vec<String>,
    /// Value in the file (lower-cased) → category.
    pub forecast_categories: Vec<(String, ForecastCategory)>,
}

/// Why a mapping file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    pub message: String,
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MappingError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    kind: Option<String>,
    date_order: Option<String>,
    decimal_mark: Option<String>,
    #[serde(default)]
    columns: BTreeMap<String, String>,
    #[serde(default)]
    evidence: BTreeMap<String, String>,
    #[serde(default)]
    stages: RawStages,
    #[serde(default)]
    forecast_categories: BTreeMap<String, String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawStages {
    #[serde(default)]
    order: Vec<String>,
    #[serde(default)]
    won: Vec<String>,
    #[serde(default)]
    lost: Vec<String>,
}

impl Mapping {
    /// Parses a mapping file's text. Errors name the line and column of the problem.
    pub fn from_toml(text: &str) -> Result<Mapping, MappingError> {
        let raw: RawMapping = toml::from_str(text).map_err(|error| MappingError {
            message: describe_toml_error(text, &error),
        })?;
        let kind = match raw.kind.as_deref() {
            None => None,
            Some(key) => Some(TableKind::from_key(key).ok_or_else(|| MappingError {
                message: format!(
                    "kind \"{key}\" is not one Lens reads (kinds: {})",
                    TableKind::ALL.iter().map(|kind| kind.key()).collect::<Vec<_>>().join(", ")
                ),
            })?),
        };
        let date_order = match raw.date_order.as_deref() {
            None => None,
            Some("dmy") => Some(DateOrder::DayFirst),
            Some("mdy") => Some(DateOrder::MonthFirst),
            Some(other) => {
                return Err(MappingError {
                    message: format!("date_order \"{other}\" is neither \"dmy\" nor \"mdy\""),
                });
            }
        };
        let decimal_mark = match raw.decimal_mark.as_deref() {
            None => None,
            Some(key) => Some(DecimalMark::from_key(key).ok_or_else(|| MappingError {
                message: format!("decimal_mark \"{key}\" is neither \",\" nor \".\""),
            })?),
        };
        // Without a kind, the fields are checked once the file's kind is detected; a key that
        // no kind has is refused now.
        let checked_kinds: Vec<TableKind> = match kind {
            Some(kind) => vec![kind],
            None => TableKind::ALL.to_vec(),
        };
        let checked_kind = kind.unwrap_or(TableKind::Opportunities);
        for key in raw.columns.keys() {
            if checked_kinds
                .iter()
                .all(|&candidate| field_spec(candidate, key).is_none())
            {
                return Err(MappingError {
                    message: format!(
                        "[columns] {key}: not a field of {} (fields: {})",
                        checked_kind.label(),
                        checked_kind
                            .fields()
                            .iter()
                            .map(|spec| spec.key)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
        }
        let mut forecast_categories = Vec::new();
        for (value, category) in raw.forecast_categories {
            let category = parse_category_name(&category).ok_or_else(|| MappingError {
                message: format!(
                    "[forecast_categories] \"{value}\" = \"{category}\": the category is not one of \
                     Pipeline, Best Case, Most Likely, Commit, Closed, Omitted"
                ),
            })?;
            forecast_categories.push((value.trim().to_lowercase(), category));
        }
        Ok(Mapping {
            kind,
            date_order,
            decimal_mark,
            columns: raw.columns.into_iter().collect(),
            evidence: raw.evidence.into_iter().collect(),
            stage_order: raw.stages.order,
            won_stages: raw.stages.won,
            lost_stages: raw.stages.lost,
            forecast_categories,
        })
    }
}

impl Mapping {
    /// The mapping as a mapping file, which [`Mapping::from_toml`] reads back to an equal mapping.
    pub fn to_toml(&self) -> String {
        let mut text = String::new();
        if let Some(kind) = self.kind {
            text.push_str(&format!("kind = {}\n", toml_string(kind.key())));
        }
        match self.date_order {
            Some(DateOrder::DayFirst) => text.push_str("date_order = \"dmy\"\n"),
            Some(DateOrder::MonthFirst) => text.push_str("date_order = \"mdy\"\n"),
            Some(DateOrder::Auto) | None => {}
        }
        if let Some(mark) = self.decimal_mark {
            text.push_str(&format!("decimal_mark = {}\n", toml_string(mark.key())));
        }
        write_table(&mut text, "columns", &self.columns);
        write_table(&mut text, "evidence", &self.evidence);
        if !(self.stage_order.is_empty()
            && self.won_stages.is_empty()
            && self.lost_stages.is_empty())
        {
            text.push_str("\n[stages]\n");
            for (name, stages) in [
                ("order", &self.stage_order),
                ("won", &self.won_stages),
                ("lost", &self.lost_stages),
            ] {
                let items: Vec<String> = stages.iter().map(|stage| toml_string(stage)).collect();
                text.push_str(&format!("{name} = [{}]\n", items.join(", ")));
            }
        }
        let categories: Vec<(String, String)> = self
            .forecast_categories
            .iter()
            .map(|(value, category)| (value.clone(), category.label().to_string()))
            .collect();
        write_table(&mut text, "forecast_categories", &categories);
        text
    }
}

fn write_table(text: &mut String, name: &str, pairs: &[(String, String)]) {
    if pairs.is_empty() {
        return;
    }
    text.push_str(&format!("\n[{name}]\n"));
    for (key, value) in pairs {
        text.push_str(&format!("{} = {}\n", toml_string(key), toml_string(value)));
    }
}

/// A TOML basic string: quotes, backslashes and control characters escaped.
fn toml_string(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('"');
    for c in value.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            '\t' => quoted.push_str("\\t"),
            '\r' => quoted.push_str("\\r"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04X}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

fn parse_category_name(name: &str) -> Option<ForecastCategory> {
    match name.trim().to_lowercase().as_str() {
        "pipeline" => Some(ForecastCategory::Pipeline),
        "best case" => Some(ForecastCategory::BestCase),
        "most likely" => Some(ForecastCategory::MostLikely),
        "commit" => Some(ForecastCategory::Commit),
        "closed" => Some(ForecastCategory::Closed),
        "omitted" => Some(ForecastCategory::Omitted),
        _ => None,
    }
}

fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let message = error.message();
    match error.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before
                .rsplit('\n')
                .next()
                .map_or(0, |part| part.chars().count())
                + 1;
            format!("line {line}, column {column}: {message}")
        }
        None => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_mapping_parses() {
        let mapping = Mapping::from_toml(
            r#"
kind = "opportunities"
date_order = "dmy"
decimal_mark = ","
[columns]
name = "Deal"
amount = "Total Value"
[evidence]
"Economic Buyer" = "EB"
[stages]
order = ["Lead", "Signed"]
won = ["Signed"]
lost = ["Dead"]
[forecast_categories]
"Upside" = "Best Case"
"#,
        )
        .unwrap();
        assert_eq!(mapping.kind, Some(TableKind::Opportunities));
        assert_eq!(mapping.date_order, Some(DateOrder::DayFirst));
        assert_eq!(mapping.decimal_mark, Some(DecimalMark::Comma));
        assert_eq!(
            mapping.columns,
            vec![
                ("amount".into(), "Total Value".into()),
                ("name".into(), "Deal".into())
            ]
        );
        assert_eq!(
            mapping.forecast_categories,
            vec![("upside".into(), ForecastCategory::BestCase)]
        );
    }

    #[test]
    fn a_mapping_written_out_reads_back_equal() {
        let mapping = Mapping {
            kind: Some(TableKind::Opportunities),
            date_order: Some(DateOrder::MonthFirst),
            decimal_mark: Some(DecimalMark::Point),
            columns: vec![
                ("amount".into(), "Value \"net\"".into()),
                ("name".into(), "Deal\\Name\t\u{202e}".into()),
            ],
            evidence: vec![("Economic Buyer".into(), "EB [x]".into())],
            stage_order: vec!["Lead".into(), "Won".into()],
            won_stages: vec!["Won".into()],
            lost_stages: vec![],
            forecast_categories: vec![("upside".into(), ForecastCategory::BestCase)],
        };
        let text = mapping.to_toml();
        assert_eq!(Mapping::from_toml(&text).unwrap(), mapping, "{text}");
    }

    #[test]
    fn errors_name_the_place_and_the_problem() {
        let error = Mapping::from_toml("[columns]\nname = \n").unwrap_err();
        assert!(error.message.starts_with("line 2, column"), "{error}");
        let error =
            Mapping::from_toml("kind = \"opportunities\"\n[columns]\nsize = \"X\"\n").unwrap_err();
        assert!(
            error
                .message
                .starts_with("[columns] size: not a field of opportunities"),
            "{error}"
        );
        let error = Mapping::from_toml("kind = \"deals\"\n").unwrap_err();
        assert!(
            error
                .message
                .contains("kind \"deals\" is not one Lens reads"),
            "{error}"
        );
    }
}
