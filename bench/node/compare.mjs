// Times two builds of the bench module (crates/bench-wasm, after wasm-bindgen --target web) on one
// CSV file in Node.js, in turn, to compare builds (an opt-level, a change) in one process:
//
//   node bench/node/compare.mjs FILE PKG_A PKG_B [RUNS]
//
// Each round runs A's then B's parse_rows, import_csv and decode_stored (the chunks each build
// encoded from its own import, read back as the analysis worker reads them when the panel opens);
// the first round is a warm-up. Prints the minimum and median of the other rounds, in ms.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const [file, pkgA, pkgB, runs = '6'] = process.argv.slice(2);
if (!pkgB) {
  console.error('usage: node bench/node/compare.mjs FILE PKG_A PKG_B [RUNS]');
  process.exit(2);
}
const bytes = readFileSync(file);
const builds = [];
for (const pkg of [pkgA, pkgB]) {
  const dir = resolve(pkg);
  const module = await import(`${dir}/lens_bench_wasm.js`);
  module.initSync({ module: readFileSync(`${dir}/lens_bench_wasm_bg.wasm`) });
  builds.push([pkg, module]);
}
const stored = new Map();
for (const [pkg, module] of builds) {
  module.import_csv('file.csv', bytes);
  const [description, ...chunks] = module.encode_for_storage(bytes.length, '2026-11-13T00:00:00Z');
  const bytesStored = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  console.log(`${pkg}: ${chunks.length} chunks, ${bytesStored} bytes stored`);
  stored.set(module, { description, chunks });
}
const steps = {
  parse: (module) => module.parse_rows(bytes),
  import: (module) => module.import_csv('file.csv', bytes),
  load: (module) => {
    const { description, chunks } = stored.get(module);
    return module.decode_stored(description, chunks);
  },
};
const times = new Map();
for (let round = 0; round <= Number(runs); round++) {
  for (const [pkg, module] of builds) {
    for (const [step, run] of Object.entries(steps)) {
      const started = performance.now();
      run(module);
      const elapsed = performance.now() - started;
      const key = `${pkg}: ${step}`;
      if (round > 0) times.set(key, [...(times.get(key) ?? []), elapsed]);
    }
  }
}
for (const [key, list] of times) {
  list.sort((a, b) => a - b);
  console.log(`${key.padEnd(60)} min ${list[0].toFixed(1)} ms, median ${list[list.length >> 1].toFixed(1)} ms`);
}
