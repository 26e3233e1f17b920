// Loads the panel's wasm (built by `cargo xtask dist` with wasm-bindgen --target web into pkg/)
// and mounts the panel. The importer is a module of its own (pkg/lens_worker*), which
// import-worker.js loads in a worker; only when the browser starts no worker does the panel load
// it itself, through lensImportInPlace, the first time a file is imported.
import init, { start_panel } from './pkg/lens_ext.js';

let importer;
globalThis.lensImportInPlace = async (file, job, onProgress) => {
  importer ??= import('./pkg/lens_worker.js').then(async (module) => {
    await module.default({ module_or_path: new URL('./pkg/lens_worker_bg.wasm', import.meta.url) });
    return module;
  });
  return (await importer).import_in_worker(file, job, onProgress);
};

await init({ module_or_path: new URL('./pkg/lens_ext_bg.wasm', import.meta.url) });
start_panel();
