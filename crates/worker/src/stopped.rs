//! Why this module stopped, for the worker scripts to say.
//!
//! A WebAssembly module that panics or runs out of memory stops on a trap, which JavaScript sees
//! only as `RuntimeError: unreachable`. A panic's message is kept here before the module stops
//! (the panel's profile aborts on panic), so `public/worker-stop.js` can tell the two apart: a trap
//! with no panic message is an allocation the memory could not grow for (a browser gives one
//! module at most 4 GiB), the only other way Lens's code reaches `unreachable`.

use std::sync::Once;
use std::sync::{Mutex, PoisonError};

use wasm_bindgen::prelude::*;

/// The message of the panic that stopped the module.
static PANIC: Mutex<Option<String>> = Mutex::new(None);

/// Sends panics to the console (with their stack) and keeps the message for [`panic_message`].
pub(crate) fn watch_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            console_error_panic_hook::hook(info);
            *PANIC.lock().unwrap_or_else(PoisonError::into_inner) = Some(info.to_string());
        }))
    });
}

/// The message of the panic that stopped the module, if one did.
#[wasm_bindgen]
pub fn panic_message() -> Option<String> {
    PANIC.lock().unwrap_or_else(PoisonError::into_inner).clone()
}
