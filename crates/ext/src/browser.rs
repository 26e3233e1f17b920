//! The panel's only door to `chrome.*` and `js_sys`: messages from the content script and the
//! bytes of files the user picks or drops.
//!
//! Every failed JS call becomes an [`ExtError`] here, with what the panel was doing, so the UI
//! never handles a raw `JsValue`. A new browser API means a change to this file only.
//!
//! Messages between the content script and the panel go through `chrome.runtime` and
//! `chrome.tabs`, never `window.postMessage`: a CRM page's own scripts can post window messages,
//! but cannot send extension messages (the manifest has no `externally_connectable`).

use serde::Deserialize;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{File, FileList};

use crate::error::ExtError;

/// The message type the content script uses for the record it read from the page.
const RECORD_MESSAGE: &str = "lens:record";
/// The message type the panel sends its tab's content script when it starts, asking for the record.
const PANEL_READY_MESSAGE: &str = "lens:panel-ready";

/// The record the content script read from the CRM page: its URL gives the object and id, the
/// page's fields give the rest.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PageRecord {
    /// The CRM the page belongs to: `salesforce`, `hubspot` or `dynamics`.
    pub crm: String,
    /// The object as the URL names it (`Opportunity`, `Account`, `Deal`, `opportunity`, …).
    pub object: String,
    /// The record id from the URL (Salesforce 15/18-char id, HubSpot number, Dynamics GUID).
    pub id: String,
    /// The record name as the page's header shows it, once the page has rendered it.
    pub name: Option<String>,
    /// Label/value pairs as the page shows them, in page order.
    #[serde(default)]
    pub fields: Vec<PageField>,
}

/// One field as the CRM page shows it: its (possibly translated or renamed) label and its text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PageField {
    pub label: String,
    pub value: String,
}

/// What the content script says about the page: a record page, or a page without one.
#[derive(Debug, Clone, PartialEq)]
pub enum PageState {
    /// No word from the content script yet.
    Waiting,
    /// The page is a CRM page but not a record Lens reads (a list view, a report, …).
    NoRecord,
    Record(PageRecord),
}

/// Listens for the record of this panel's tab and asks the tab's content script for it once.
///
/// `on_page` runs with every record the content script sends (it re-sends when the page
/// navigates or finishes rendering). Messages from other tabs are ignored, since every tab's
/// content script broadcasts to every panel.
pub async fn listen_for_page_record(on_page: impl Fn(PageState) + 'static) -> Result<(), ExtError> {
    let tab =
        JsFuture::from(chrome_tabs_get_current().map_err(|error| js_error(CONTEXT_TAB, error))?)
            .await
            .map_err(|error| js_error(CONTEXT_TAB, error))?;
    let Some(tab_id) = number_property(&tab, "id") else {
        return Err(ExtError::new(
            CONTEXT_TAB,
            "the panel is not inside a browser tab",
        ));
    };

    let on_page = std::rc::Rc::new(on_page);
    let listener_on_page = on_page.clone();
    let listener =
        Closure::<dyn Fn(JsValue, JsValue)>::new(move |message: JsValue, sender: JsValue| {
            let sender_tab =
                js_sys::Reflect::get(&sender, &"tab".into()).unwrap_or(JsValue::UNDEFINED);
            if number_property(&sender_tab, "id") != Some(tab_id) {
                return;
            }
            if let Some(page) = page_state_from_message(message) {
                listener_on_page(page);
            }
        });
    chrome_runtime_on_message_add_listener(&listener)
        .map_err(|error| js_error(CONTEXT_LISTEN, error))?;
    // The listener must live as long as the panel does; the panel has no teardown, so leaking the
    // closure once is the intended lifetime, not an accident.
    listener.forget();

    let request = serde_wasm_bindgen::to_value(&TypeOnlyMessage {
        kind: PANEL_READY_MESSAGE,
    })
    .map_err(|error| ExtError::new(CONTEXT_ASK, error.to_string()))?;
    let promise = chrome_tabs_send_message(tab_id as i32, &request)
        .map_err(|error| js_error(CONTEXT_ASK, error))?;
    match JsFuture::from(promise).await {
        Ok(response) => {
            if let Some(page) = page_state_from_message(response) {
                on_page(page);
            }
        }
        // No content script in this tab (the panel opened on its own): no record to show. The
        // content script also pushes the record when it is ready, so a lost answer is not final.
        Err(_) => on_page(PageState::NoRecord),
    }
    Ok(())
}

/// The files of a file input or a drop, in the order the browser lists them.
pub fn files_of(list: Option<FileList>) -> Vec<File> {
    let Some(list) = list else { return Vec::new() };
    (0..list.length())
        .filter_map(|index| list.get(index))
        .collect()
}

const CONTEXT_TAB: &str = "finding the panel's tab";
const CONTEXT_LISTEN: &str = "listening for the page's record";
const CONTEXT_ASK: &str = "asking the page for its record";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["chrome", "tabs"], js_name = getCurrent)]
    fn chrome_tabs_get_current() -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["chrome", "tabs"], js_name = sendMessage)]
    fn chrome_tabs_send_message(tab_id: i32, message: &JsValue)
    -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["chrome", "runtime", "onMessage"], js_name = addListener)]
    fn chrome_runtime_on_message_add_listener(
        callback: &Closure<dyn Fn(JsValue, JsValue)>,
    ) -> Result<(), JsValue>;
}

/// The wire shape of a content-script message: `{ type: "lens:record", record: {…} | null }`.
#[derive(Deserialize)]
struct RecordMessage {
    #[serde(rename = "type")]
    kind: String,
    record: Option<PageRecord>,
}

/// A message that carries only its type, such as the panel's "ready" request.
#[derive(serde::Serialize)]
struct TypeOnlyMessage {
    #[serde(rename = "type")]
    kind: &'static str,
}

/// The most fields a record message may carry, and the most characters of any of its texts: the
/// content script sends at most 200 fields and cuts values to 500 characters (`MAX_FIELDS`,
/// `MAX_VALUE_CHARS` in content.js). The page shapes what the content script reads, so the panel
/// checks these bounds again before it interprets anything.
pub const MAX_PAGE_FIELDS: usize = 200;
pub const MAX_PAGE_TEXT_CHARS: usize = 500;

/// Reads a message from the content script.
///
/// `None` for any message that is not a record message (other extension messages, malformed
/// ones), so that a stray message never clears what the panel shows. A record message whose record
/// is over the bounds above is read as a page without a record Lens reads.
pub fn page_state_from_message(message: JsValue) -> Option<PageState> {
    let message: RecordMessage = serde_wasm_bindgen::from_value(message).ok()?;
    if message.kind != RECORD_MESSAGE {
        return None;
    }
    Some(match message.record {
        Some(record) if within_bounds(&record) => PageState::Record(record),
        _ => PageState::NoRecord,
    })
}

fn within_bounds(record: &PageRecord) -> bool {
    let short = |text: &str| text.chars().count() <= MAX_PAGE_TEXT_CHARS;
    record.fields.len() <= MAX_PAGE_FIELDS
        && [&record.crm, &record.object, &record.id]
            .into_iter()
            .chain(&record.name)
            .all(|text| short(text))
        && record
            .fields
            .iter()
            .all(|field| short(&field.label) && short(&field.value))
}

fn number_property(object: &JsValue, name: &str) -> Option<f64> {
    if !object.is_object() {
        return None;
    }
    js_sys::Reflect::get(object, &name.into()).ok()?.as_f64()
}

pub(crate) fn js_error(context: &'static str, value: JsValue) -> ExtError {
    let detail = match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value.as_string().unwrap_or_else(|| format!("{value:?}")),
    };
    ExtError::new(context, detail)
}

/// Offers text to the user as a downloaded file (a `blob:` URL in the extension's origin; nothing
/// leaves the browser).
pub fn download_text(file_name: &str, mime: &str, text: &str) -> Result<(), ExtError> {
    const CONTEXT: &str = "preparing the download";
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|error| js_error(CONTEXT, error))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|error| js_error(CONTEXT, error))?;
    let document = web_sys::window()
        .and_then(|window| window.document())
        .ok_or_else(|| ExtError::new(CONTEXT, "the panel has no document"))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|error| js_error(CONTEXT, error))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    // The click has started the download; the URL is not needed after it.
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The browser's current time as ISO 8601 (UTC), for the "imported at" of a stored import.
pub fn now_iso() -> String {
    String::from(js_sys::Date::new_0().to_iso_string())
}

/// Today's date in the browser's time zone: the default as-of date for an undated export.
pub fn today() -> chrono::NaiveDate {
    let now = js_sys::Date::new_0();
    chrono::NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

/// Leaves a named moment on the panel's performance timeline (`performance.mark`), where the
/// browser's developer tools and the benchmark read when the panel did what: `lens:record-header
/// <id>`, `lens:data-loaded`, `lens:record-view <id>`, `lens:analysis`, and on an import
/// `lens:import-received`, `lens:import-stored`, `lens:data-indexed` (the analyst has indexed the new data).
/// Nothing else reads them.
pub fn mark(name: &str) {
    if let Some(performance) = performance() {
        let _ = performance.mark(name);
    }
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window().and_then(|window| window.performance())
}

/// Lets the browser run its own work (paint the progress, handle input) before the panel goes on.
pub async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = JsFuture::from(promise).await;
}
