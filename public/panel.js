// Loads the panel's wasm (built by `cargo xtask dist` with wasm-bindgen --target web into pkg/)
// and mounts the panel. The same module also runs in import-worker.js, where nothing is mounted.
import init, { start_panel } from './pkg/lens_ext.js';

await init({ module_or_path: new URL('./pkg/lens_ext_bg.wasm', import.meta.url) });
start_panel();
