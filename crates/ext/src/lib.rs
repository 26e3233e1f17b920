//! Lens's side panel: the Leptos UI that runs in the extension's `panel.html`, in an iframe the
//! content script places beside a CRM record.
//!
//! The panel runs in the extension's origin, so what it reads and keeps is out of the CRM page's
//! reach, and the extension's CSP (`connect-src 'self'`) stops it from sending anything anywhere.
//! All analysis is `lens-core`; this crate only gathers input (files, the record on the page) and
//! renders core's results.
//!
//! Code map:
//! - [`ui`]: one component per screen.
//! - [`browser`]: the only module that touches `chrome.*`; with [`storage`], [`worker`] and
//!   [`analyst`], the only ones that call browser APIs.
//! - [`error`]: [`error::ExtError`], a failed browser call with its context.
//! - [`storage`]: the IndexedDB stores.
//! - [`worker`]: imports in a Web Worker, the panel's side.
//! - [`analyst`]: the data set and its analysis in a Web Worker, the panel's side.

pub mod analyst;
pub mod browser;
pub mod error;
pub mod storage;
pub mod ui;
pub mod worker;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point of the panel, called by `panel.js` once the module is loaded. (Not a wasm-bindgen
/// start function: the storage tests load the same module and mount nothing.)
#[wasm_bindgen]
pub fn start_panel() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(ui::app::App);
}
