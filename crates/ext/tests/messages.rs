//! The panel's reading of content-script messages, in a real browser: a record message of the
//! right shape and size is a record; one of another shape is ignored; one over the bounds the
//! content script keeps (200 fields, 500 characters per text) is read as no record.
//!
//! Run: `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p lens-ext --target wasm32-unknown-unknown`
//! (`cargo xtask test` does).
#![cfg(target_arch = "wasm32")]

use lens_ext::browser::{MAX_PAGE_FIELDS, MAX_PAGE_TEXT_CHARS, PageState, page_state_from_message};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn message(json: &str) -> JsValue {
    js_sys::JSON::parse(json).expect("test JSON parses")
}

/// A record message as content.js sends it, with `n_fields` fields and `value` as each value.
fn record_message(n_fields: usize, value: &str) -> JsValue {
    let fields: Vec<String> = (0..n_fields)
        .map(|idx| format!(r#"{{"label":"Field {idx}","value":"{value}"}}"#))
        .collect();
    message(&format!(
        r#"{{"type":"lens:record","record":{{"crm":"salesforce","object":"Opportunity","id":"006Hp000015Yh7kIAC","name":"Acme - Expansion","fields":[{}]}}}}"#,
        fields.join(",")
    ))
}

#[wasm_bindgen_test]
fn a_record_message_within_bounds_is_the_record() {
    let value = "x".repeat(MAX_PAGE_TEXT_CHARS);
    let Some(PageState::Record(record)) =
        page_state_from_message(record_message(MAX_PAGE_FIELDS, &value))
    else {
        panic!("a record expected");
    };
    assert_eq!(record.id, "006Hp000015Yh7kIAC");
    assert_eq!(record.fields.len(), MAX_PAGE_FIELDS);
    assert_eq!(record.fields[0].value.len(), MAX_PAGE_TEXT_CHARS);
    assert_eq!(
        page_state_from_message(message(r#"{"type":"lens:record","record":null}"#)),
        Some(PageState::NoRecord)
    );
}

#[wasm_bindgen_test]
fn messages_of_another_shape_are_ignored() {
    for json in [
        r#"{"type":"lens:toggle"}"#,
        r#"{"type":"lens:record","record":{"crm":"salesforce","object":"Opportunity"}}"#,
        r#"{"type":"lens:record","record":{"crm":"salesforce","object":"Opportunity","id":7,"name":null}}"#,
        r#"{"type":"lens:record","record":{"crm":"salesforce","object":"Opportunity","id":"006A","name":null,"fields":[{"label":"Stage"}]}}"#,
        r#""lens:record""#,
        "null",
    ] {
        assert_eq!(page_state_from_message(message(json)), None, "{json}");
    }
}

#[wasm_bindgen_test]
fn a_record_over_the_bounds_is_no_record() {
    assert_eq!(
        page_state_from_message(record_message(MAX_PAGE_FIELDS + 1, "x")),
        Some(PageState::NoRecord)
    );
    let long = "é".repeat(MAX_PAGE_TEXT_CHARS + 1);
    assert_eq!(
        page_state_from_message(record_message(1, &long)),
        Some(PageState::NoRecord)
    );
    let long_name = message(&format!(
        r#"{{"type":"lens:record","record":{{"crm":"hubspot","object":"Deal","id":"18230114512","name":"{}","fields":[]}}}}"#,
        "n".repeat(MAX_PAGE_TEXT_CHARS + 1)
    ));
    assert_eq!(
        page_state_from_message(long_name),
        Some(PageState::NoRecord)
    );
}
