// Loads the panel's wasm (built by `cargo xtask dist` with wasm-bindgen --target web into pkg/).
// The Rust side mounts the UI from its #[wasm_bindgen(start)] function.
import init from './pkg/lens_ext.js';

init({ module_or_path: new URL('./pkg/lens_ext_bg.wasm', import.meta.url) });
