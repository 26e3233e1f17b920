// What Lens's worker scripts say when the workers' wasm module stops. A module that panics or runs
// out of memory stops on a trap (a WebAssembly.RuntimeError such as "unreachable"), and nothing in
// it can be trusted afterwards. A panic leaves its message in the module before it stops (see
// crates/worker/src/stopped.rs); a trap without one is an allocation the memory could not grow
// for, the only other way Lens's code reaches `unreachable`.
import { panic_message } from './pkg/lens_worker.js';

/** The most memory a browser gives one WebAssembly module (65,536 pages of 64 KiB). */
const MODULE_LIMIT = 4 * 1024 ** 3;

const mebibytes = (bytes) => `${Math.round(bytes / 1024 ** 2).toLocaleString('en-US')} MiB`;

/**
 * Why the module stopped, when `error` is a trap; `null` for any other error (the module goes on).
 * `memory` is the module's memory, if it has loaded.
 */
export function stoppedBecause(error, memory) {
  if (!(error instanceof WebAssembly.RuntimeError)) return null;
  let panic;
  try {
    panic = panic_message();
  } catch {
    // The message cannot be read: the trap's own words are all there is.
  }
  if (panic) return `Lens stopped on an internal error (${panic.replace(/\s+/g, ' ').trim()})`;
  if (error.message === 'unreachable' && memory) {
    return `Lens ran out of memory: its worker held ${mebibytes(memory.buffer.byteLength)} when it `
      + `needed more, and a browser gives one WebAssembly module at most ${mebibytes(MODULE_LIMIT)}`;
  }
  return `Lens stopped on an internal error (WebAssembly: ${error.message})`;
}
