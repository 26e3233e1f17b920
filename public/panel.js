// Loads the panel's wasm (built by `cargo xtask dist` with wasm-bindgen --target web into pkg/)
// and mounts the panel. The code that runs off the panel's thread is a module of its own
// (pkg/lens_worker*): import-worker.js loads it to import files, analysis-worker.js to hold the
// data set and analyse it. Only when the browser starts no worker does the panel load it itself.
import init, { start_panel } from './pkg/lens_ext.js';

let workerModule;
function loadWorkerModule() {
  workerModule ??= import('./pkg/lens_worker.js').then(async (module) => {
    await module.default({ module_or_path: new URL('./pkg/lens_worker_bg.wasm', import.meta.url) });
    return module;
  });
  return workerModule;
}

// No slice reader: on the panel's thread a file cannot be read at once, so the importer reads it whole first.
globalThis.lensImportInPlace = async (file, job, onProgress) =>
  (await loadWorkerModule()).import_in_worker(file, job, onProgress, undefined);

// The analyst: `call(method, args, transfer)` runs one of AnalystWorker's methods in the analysis
// worker and resolves to its result (rejects with its error); calls are answered in order.
// The worker starts once the panel has painted, so that compiling the workers' module (larger than
// the panel's) does not compete with the panel's own start; calls made before wait for it, in order.
// A worker whose module stopped (out of memory, a panic) answers every call with why; the panel's
// next reading of the stored data, which starts with `clear`, gets a new one.
function startAnalyst() {
  let worker;
  try {
    worker = startAnalysisWorker();
  } catch {
    // No worker: the same analyst, on the panel's thread.
    const analyst = loadWorkerModule().then((module) => new module.AnalystWorker());
    return { call: async (method, args) => (await analyst)[method](...args) };
  }
  return {
    call: (method, args, transfer = []) => {
      if (worker.stopped && method === 'clear') {
        worker.terminate();
        worker = startAnalysisWorker();
      }
      return worker.call(method, args, transfer);
    },
  };
}

function startAnalysisWorker() {
  const worker = new Worker(new URL('./analysis-worker.js', import.meta.url), { type: 'module' });
  const pending = new Map();
  let next = 0;
  let stopped;
  worker.onmessage = ({ data }) => {
    const call = pending.get(data.id);
    pending.delete(data.id);
    if (data.stopped) stopped = new Error(data.error);
    if ('error' in data) call?.reject(new Error(data.error));
    else call?.resolve(data.result);
  };
  worker.onerror = (event) => {
    stopped = new Error(`the analysis worker stopped: ${event.message || 'its module did not load'}`);
    for (const call of pending.values()) call.reject(stopped);
    pending.clear();
  };
  return {
    get stopped() {
      return stopped !== undefined;
    },
    terminate: () => worker.terminate(),
    call: (method, args, transfer) => new Promise((resolve, reject) => {
      if (stopped) return reject(stopped);
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, method, args }, transfer);
    }),
  };
}

let panelPainted;
const analyst = new Promise((resolve) => { panelPainted = resolve; }).then(startAnalyst);
globalThis.lensAnalyst = {
  call: async (method, args, transfer) => (await analyst).call(method, args, transfer),
};

try {
  await init({ module_or_path: new URL('./pkg/lens_ext_bg.wasm', import.meta.url) });
  start_panel();
} finally {
  // Once the mounted panel's first frame is drawn (a hidden frame draws none, so at most 200 ms
  // on); also when the panel failed to start, so that no call it made waits for ever.
  const fallback = setTimeout(panelPainted, 200);
  requestAnimationFrame(() => setTimeout(() => {
    clearTimeout(fallback);
    panelPainted();
  }, 0));
}
