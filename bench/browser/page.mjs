// The benchmark page: reads one CSV export and times, on the page's main thread, what PapaParse,
// DuckDB-wasm and Lens's wasm (crates/bench-wasm) do with it. `run.mjs` drives it through
// `window.bench`, one group of measures per fresh browser, and times nothing itself: every figure
// is `performance.now()` around one call here.
//
// Served by run.mjs: /bench/ (this folder), /npm/ (the benchmark's node_modules), /pkg/ (the
// wasm-bindgen output of lens-bench-wasm) and /data/ (the generated data sets).

const state = {
  /** The file as read once: ArrayBuffer, its bytes, and its text for PapaParse. */
  name: '',
  buffer: null,
  bytes: null,
  text: null,
  lens: null,
  lensMemory: null,
  duckdb: null,
  idb: null,
};

function now() {
  return performance.now();
}

/** Gives the collector a chance between runs (run.mjs starts Chromium with --expose-gc). */
function collect() {
  if (typeof globalThis.gc === 'function') globalThis.gc();
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = src;
    script.onload = resolve;
    script.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(script);
  });
}

async function fetchBytes(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

function requestDone(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function transactionDone(transaction) {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = resolve;
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error ?? new Error('transaction aborted'));
  });
}

/** The stores the panel writes an import to (crates/ext/src/storage.rs): descriptions and chunks. */
async function openBenchDatabase() {
  const request = indexedDB.open('lens-bench', 1);
  request.onupgradeneeded = () => {
    request.result.createObjectStore('imports', { autoIncrement: true });
    request.result.createObjectStore('chunks');
  };
  return requestDone(request);
}

async function clearBenchDatabase(db) {
  const transaction = db.transaction(['imports', 'chunks'], 'readwrite');
  transaction.objectStore('imports').clear();
  transaction.objectStore('chunks').clear();
  await transactionDone(transaction);
}

/** One import written as the panel writes it: the description, then every chunk, in one transaction. */
async function storeImport(db, parts) {
  const [description, ...chunks] = parts;
  const transaction = db.transaction(['imports', 'chunks'], 'readwrite');
  const id = await requestDone(transaction.objectStore('imports').add(JSON.parse(description)));
  const chunkStore = transaction.objectStore('chunks');
  chunks.forEach((chunk, number) => chunkStore.put(chunk, `${id}/${number}`));
  await transactionDone(transaction);
  return chunks.length;
}

async function setupPapa() {
  const started = now();
  await loadScript('/npm/papaparse/papaparse.min.js');
  return now() - started;
}

async function setupLens() {
  if (state.lens) return 0;
  const started = now();
  const module = await import('/pkg/lens_bench_wasm.js');
  const exports = await module.default({ module_or_path: '/pkg/lens_bench_wasm_bg.wasm' });
  state.lens = module;
  state.lensMemory = exports.memory;
  return now() - started;
}

async function setupDuckDb() {
  if (state.duckdb) return 0;
  const started = now();
  const duckdb = await import('/npm/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs');
  // The build for browsers with wasm exceptions (every current Chromium); one worker, no threads.
  const worker = new Worker('/npm/@duckdb/duckdb-wasm/dist/duckdb-browser-eh.worker.js');
  const db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
  await db.instantiate('/npm/@duckdb/duckdb-wasm/dist/duckdb-eh.wasm');
  const connection = await db.connect();
  const version = await db.getVersion();
  state.duckdb = { db, connection, version };
  return now() - started;
}

const measures = {
  /** PapaParse, rows as arrays of strings (no header handling, no typing). */
  'papa-arrays': {
    setup: setupPapa,
    run() {
      const result = globalThis.Papa.parse(state.text, { header: false });
      return { check: `${result.data.length} rows, ${result.errors.length} errors` };
    },
  },
  /** PapaParse, rows as objects keyed by the header. */
  'papa-header': {
    setup: setupPapa,
    run() {
      const result = globalThis.Papa.parse(state.text, { header: true });
      return { check: `${result.data.length} rows, ${result.errors.length} errors` };
    },
  },
  /**
   * DuckDB-wasm: the bytes registered as a file, then a table created from read_csv_auto (which
   * sniffs the dialect and types the columns). `ignore_errors` skips the Salesforce report footer
   * after the data (one-column lines), as Lens strips it; without it the statement fails.
   */
  duckdb: {
    setup: setupDuckDb,
    async run() {
      const { db, connection } = state.duckdb;
      // registerFileBuffer hands the buffer to the worker (detaching it): copy first, untimed.
      const copy = new Uint8Array(state.buffer.slice(0));
      const started = now();
      await db.registerFileBuffer('export.csv', copy);
      await connection.query("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv_auto('export.csv', ignore_errors = true)");
      const ms = now() - started;
      const count = (await connection.query('SELECT count(*) AS n FROM t')).toArray()[0].n;
      await connection.query('DROP TABLE t');
      await db.dropFile('export.csv');
      return { ms, check: `${count} rows in t` };
    },
  },
  /** The csv crate alone in wasm (records and fields counted, nothing decoded or typed). */
  'lens-csv': {
    setup: setupLens,
    run() {
      return { check: `${state.lens.csv_records(state.bytes)} records fields` };
    },
  },
  /** Lens's decoding and CSV splitting (lens_core::import::read_rows). */
  'lens-parse': {
    setup: setupLens,
    run() {
      return { check: `${state.lens.parse_rows(state.bytes)} rows` };
    },
  },
  /** Lens's whole import: decode, split, detect the format, type every row. */
  'lens-import': {
    setup: setupLens,
    run() {
      const summary = JSON.parse(state.lens.import_csv(state.name, state.bytes));
      return { check: `${summary.stored_rows} stored, ${summary.rejected} rejected` };
    },
  },
  /**
   * What the panel does with a file, without the panel: import, encode for storage (postcard
   * chunks, from a copy of the report), write to IndexedDB in one transaction; the total is these
   * three. Then, timed apart, what the panel does next: the analysis of the new data set (index
   * and every module).
   */
  'lens-store': {
    async setup() {
      const ms = await setupLens();
      state.idb = await openBenchDatabase();
      await clearBenchDatabase(state.idb);
      return ms;
    },
    async run() {
      const started = now();
      const summary = JSON.parse(state.lens.import_csv(state.name, state.bytes));
      const imported = now();
      const parts = state.lens.encode_for_storage(state.bytes.length, new Date().toISOString());
      const encoded = now();
      const chunks = await storeImport(state.idb, parts);
      const stored = now();
      const insights = state.lens.analyze_import();
      const analysed = now();
      await clearBenchDatabase(state.idb);
      return {
        ms: stored - started,
        parts: { import: imported - started, encode: encoded - imported, idb: stored - encoded, analyze: analysed - stored },
        check: `${summary.stored_rows} stored in ${chunks} chunks, ${insights} insights`,
      };
    },
  },
};

window.bench = {
  /** Reads the file once; returns its size and the time TextDecoder takes to make PapaParse's string. */
  async load(url, name) {
    state.name = name;
    state.buffer = await fetchBytes(url);
    state.bytes = new Uint8Array(state.buffer);
    const started = now();
    state.text = new TextDecoder().decode(state.bytes);
    return { bytes: state.bytes.length, decodeMs: now() - started };
  },

  /** Loads and starts what a measure needs; returns the start-up time (0 when already done). */
  async setup(measure) {
    const ms = (await measures[measure].setup()) ?? 0;
    return { ms, version: state.duckdb?.version };
  },

  /** One timed run of a measure. */
  async run(measure) {
    collect();
    const started = now();
    const result = await measures[measure].run();
    const ms = result.ms ?? now() - started;
    return { ms, parts: result.parts, check: result.check };
  },

  /** The size of Lens's wasm memory, in bytes (it only grows). */
  lensMemoryBytes() {
    return state.lensMemory ? state.lensMemory.buffer.byteLength : null;
  },

  /**
   * Imports every file of a data set into the bench module's region, then builds its index.
   * `files` are [url, name] pairs; returns what was loaded and the times.
   */
  async regionLoad(files, asOf) {
    await setupLens();
    let importMs = 0;
    let fetchMs = 0;
    const loaded = [];
    for (const [url, name] of files) {
      const fetched = now();
      const bytes = new Uint8Array(await fetchBytes(url));
      const started = now();
      fetchMs += started - fetched;
      const summary = JSON.parse(state.lens.region_add(name, bytes, asOf));
      importMs += now() - started;
      loaded.push(summary);
    }
    const indexed = now();
    const snapshots = state.lens.region_index();
    const indexMs = now() - indexed;
    return { files: loaded.length, snapshots, fetchMs, importMs, indexMs, memoryBytes: this.lensMemoryBytes() };
  },

  /** One timed analysis of the indexed region. */
  regionAnalyze(asOf) {
    collect();
    const started = now();
    const insights = state.lens.region_analyze(asOf);
    return { ms: now() - started, check: `${insights} insights` };
  },
};

document.getElementById('status').textContent = 'ready';
