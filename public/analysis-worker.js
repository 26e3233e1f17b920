// Lens's analyst off the panel's main thread: the data set, its index and the newest analysis live
// in this worker (lens-worker's AnalystWorker). The panel sends {id, method, args} messages, one
// per call of AnalystWorker's methods, and receives {id, result} or {id, error}; calls are answered
// in the order they were sent.
import init, { AnalystWorker } from './pkg/lens_worker.js';

const analyst = init({ module_or_path: new URL('./pkg/lens_worker_bg.wasm', import.meta.url) })
  .then(() => new AnalystWorker());

self.onmessage = async ({ data: { id, method, args } }) => {
  try {
    const result = (await analyst)[method](...args);
    self.postMessage({ id, result });
  } catch (error) {
    self.postMessage({ id, error: String(error?.message ?? error) });
  }
};
