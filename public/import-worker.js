// Lens's importer off the panel's main thread. Loads the importer's own wasm module (lens-worker,
// never loaded by the panel unless no worker starts), and answers each {file, job} with
// {progress} messages, then {outcome} (the encoded records, their buffers transferred, or why the
// file was refused) or {failure}. After a failure the panel hands the next file to a new worker;
// a module that stopped on a trap (out of memory, a panic) says why in its failure.
import init, { import_in_worker } from './pkg/lens_worker.js';
import { stoppedBecause } from './worker-stop.js';

let memory;
const ready = init({ module_or_path: new URL('./pkg/lens_worker_bg.wasm', import.meta.url) })
  .then((exports) => { memory = exports.memory; });

// Reads bytes `start` to `end` of a file at once (only a worker can): the importer asks for the
// file a slice at a time, twice for a large CSV file, and never holds it whole.
const reader = new FileReaderSync();
function readSlice(file, start, end) {
  const bytes = new Uint8Array(reader.readAsArrayBuffer(file.slice(start, end)));
  // The import is one long task, and in it the browser frees a slice read before only after a
  // young-generation collection, which the importer's own work, in wasm, seldom brings about.
  // These short-lived objects (about 100 KB a slice) bring one about: without them, reading
  // 260 MB twice left up to 250 MB of slices in memory at once.
  let link = null;
  for (let i = 0; i < 5000; i++) link = { i, link };
  return link.i === 4999 ? bytes : null;
}

self.onmessage = async ({ data }) => {
  try {
    await ready;
    const outcome = await import_in_worker(data.file, data.job, (progress) => self.postMessage({ progress }), readSlice);
    const transfer = (outcome.chunks ?? []).map((chunk) => chunk.buffer);
    self.postMessage({ outcome }, transfer);
  } catch (error) {
    self.postMessage({ failure: stoppedBecause(error, memory) ?? String(error?.message ?? error) });
  }
};
