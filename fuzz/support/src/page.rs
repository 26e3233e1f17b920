//! Page records from fuzz inputs.
//!
//! An input that parses as the JSON of a [`PageRecord`] (what the panel builds from the content
//! script's message) is that record. Any other input is read as structured bytes: labels drawn
//! from the ones CRM pages show (or free text), values in the forms pages write dates, amounts
//! and percentages (or free text), and an id that is one of the data set's, its 15-character
//! form, or free text. The id the view is asked for is the record's own id, as in the panel.

use arbitrary::{Arbitrary, Unstructured};
use lens_core::insight::{PageField, PageRecord};

use crate::dataset::RECORD_IDS;

/// Labels CRM record pages show (Salesforce, HubSpot, Dynamics 365), and evidence labels.
const LABELS: &[&str] = &[
    "Opportunity Name",
    "Account Name",
    "Opportunity Owner",
    "Stage",
    "Forecast Category",
    "Amount",
    "Close Date",
    "Created Date",
    "Last Activity",
    "Next Step",
    "Probability (%)",
    "Type",
    "Lead Source",
    "Economic Buyer",
    "Champion",
    "Deal Stage",
    "Deal owner",
    "Est. close date",
    "Est. Revenue",
    "Closed",
    "Won",
    "Status",
    "Opportunity ID",
    "Record ID",
    "Currency",
    "Partner",
];

/// The page record an input stands for, and the id the view is asked for.
pub fn page_record(bytes: &[u8]) -> (String, PageRecord) {
    let page = match serde_json::from_slice::<PageRecord>(bytes) {
        Ok(page) => page,
        Err(_) => structured(bytes),
    };
    let record_id = page.record_id.clone().unwrap_or_default();
    (record_id, page)
}

#[derive(Arbitrary, Debug)]
struct RawPage {
    id: RawId,
    name: Option<RawText>,
    fields: Vec<(RawLabel, RawValue)>,
}

#[derive(Arbitrary, Debug)]
enum RawId {
    Known(u8),
    Short(u8),
    Text(String),
    Missing,
}

#[derive(Arbitrary, Debug)]
enum RawText {
    /// The name of one of the data set's records.
    Known(u8),
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum RawLabel {
    Known(u8),
    /// A known label with surrounding text, case or punctuation changed.
    Decorated(u8, String, bool),
    Text(String),
}

#[derive(Arbitrary, Debug)]
enum RawValue {
    /// `d/m/y` with a separator: `/`, `.`, `-`.
    Date(u8, u8, u16, u8),
    Iso(i32, u8, u8),
    Money(Option<u8>, i64, u8),
    Percent(u16, u8),
    Text(String),
}

const NAMES: &[&str] = &[
    "Acme - Expansion",
    "Globex - New",
    "Initech - Renewal",
    "Umbrella - Pilot",
    "Hooli - Seats",
];
const CURRENCIES: &[&str] = &["USD", "EUR", "$", "€", "GBP", "usd"];

fn pick<'a>(list: &[&'a str], choice: u8) -> &'a str {
    list[usize::from(choice) % list.len()]
}

fn structured(bytes: &[u8]) -> PageRecord {
    let Ok(raw) = RawPage::arbitrary_take_rest(Unstructured::new(bytes)) else {
        return PageRecord::default();
    };
    let record_id = match raw.id {
        RawId::Known(choice) => Some(pick(RECORD_IDS, choice).to_string()),
        RawId::Short(choice) => Some(pick(RECORD_IDS, choice)[..15].to_string()),
        RawId::Text(text) => Some(text),
        RawId::Missing => None,
    };
    let name = raw.name.map(|name| match name {
        RawText::Known(choice) => pick(NAMES, choice).to_string(),
        RawText::Text(text) => text,
    });
    let fields = raw
        .fields
        .into_iter()
        .map(|(label, value)| PageField {
            label: match label {
                RawLabel::Known(choice) => pick(LABELS, choice).to_string(),
                RawLabel::Decorated(choice, around, upper) => {
                    let label = pick(LABELS, choice);
                    let label = if upper {
                        label.to_uppercase()
                    } else {
                        label.to_lowercase()
                    };
                    format!("{around}{label}{around}")
                }
                RawLabel::Text(text) => text,
            },
            value: match value {
                RawValue::Date(first, second, year, separator) => {
                    let separator = pick(&["/", ".", "-"], separator);
                    format!("{first}{separator}{second}{separator}{year}")
                }
                RawValue::Iso(year, month, day) => format!("{year:04}-{month:02}-{day:02}"),
                RawValue::Money(currency, cents, style) => {
                    let amount = match style % 3 {
                        0 => format!("{}.{:02}", cents / 100, (cents % 100).unsigned_abs()),
                        1 => format!("{}", cents / 100),
                        _ => format!("{cents}"),
                    };
                    match currency {
                        Some(choice) => format!("{} {amount}", pick(CURRENCIES, choice)),
                        None => amount,
                    }
                }
                RawValue::Percent(value, style) => match style % 2 {
                    0 => format!("{value}%"),
                    _ => format!("{value}"),
                },
                RawValue::Text(text) => text,
            },
        })
        .collect();
    PageRecord {
        record_id,
        name,
        fields,
    }
}
