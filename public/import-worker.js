// Lens's importer off the panel's main thread. Loads the panel's wasm module without mounting the
// panel, and answers each {file, request} with {progress} messages, then {outcome} (the encoded
// records, their buffers transferred, or why the file was refused) or {failure}.
import init, { import_in_worker } from './pkg/lens_ext.js';

const ready = init({ module_or_path: new URL('./pkg/lens_ext_bg.wasm', import.meta.url) });

self.onmessage = async ({ data }) => {
  try {
    await ready;
    const outcome = await import_in_worker(data.file, data.request, (progress) => self.postMessage({ progress }));
    const transfer = (outcome.chunks ?? []).map((chunk) => chunk.buffer);
    self.postMessage({ outcome }, transfer);
  } catch (error) {
    self.postMessage({ failure: String(error?.message ?? error) });
  }
};
