// Lens's analyst off the panel's main thread: the data set, its index and the newest analysis live
// in this worker (lens-worker's AnalystWorker). The panel sends {id, method, args} messages, one
// per call of AnalystWorker's methods, and receives {id, result} or {id, error}; calls are answered
// in the order they were sent.
//
// When the module stops on a trap (out of memory, or a panic), it holds nothing usable any more:
// the answer says why with `stopped: true`, and every later call is answered with the same error.
// The panel then starts a new worker when it next reads the stored data back.
import init, { AnalystWorker } from './pkg/lens_worker.js';
import { stoppedBecause } from './worker-stop.js';

let memory;
const analyst = init({ module_or_path: new URL('./pkg/lens_worker_bg.wasm', import.meta.url) })
  .then((exports) => {
    memory = exports.memory;
    return new AnalystWorker();
  });
let stopped;

self.onmessage = async ({ data: { id, method, args } }) => {
  if (stopped) return self.postMessage({ id, error: stopped, stopped: true });
  try {
    const result = (await analyst)[method](...args);
    self.postMessage({ id, result });
  } catch (error) {
    stopped = stoppedBecause(error, memory) ?? undefined;
    self.postMessage({ id, error: stopped ?? String(error?.message ?? error), stopped: stopped !== undefined });
  }
};
