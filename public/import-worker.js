// Lens's importer off the panel's main thread. Loads the importer's own wasm module (lens-worker,
// never loaded by the panel unless no worker starts), and answers each {file, job} with
// {progress} messages, then {outcome} (the encoded records, their buffers transferred, or why the
// file was refused) or {failure}.
import init, { import_in_worker } from './pkg/lens_worker.js';

const ready = init({ module_or_path: new URL('./pkg/lens_worker_bg.wasm', import.meta.url) });

self.onmessage = async ({ data }) => {
  try {
    await ready;
    const outcome = await import_in_worker(data.file, data.job, (progress) => self.postMessage({ progress }));
    const transfer = (outcome.chunks ?? []).map((chunk) => chunk.buffer);
    self.postMessage({ outcome }, transfer);
  } catch (error) {
    self.postMessage({ failure: String(error?.message ?? error) });
  }
};
