// The browser benchmark's driver (`cargo xtask bench` runs it; see crates/xtask/src/bench.rs for
// the options it passes). In headless Chromium, on the same CSV export, it times:
//
// - PapaParse (rows as arrays; rows as objects by header) on the file's text;
// - DuckDB-wasm: start-up once, then the bytes registered and `CREATE TABLE … read_csv_auto`;
// - Lens's wasm (crates/bench-wasm): the csv crate alone, Lens's parse, Lens's import, and
//   import + encode + IndexedDB write (the panel's work without the panel);
// - the Lens panel itself (the demo build of the extension on the demo CRM page): the file set on
//   the Import screen's input, timed from the input's change event to its result row showing
//   "imported", with the phases its progress line names on the way;
// - Lens's analysis in wasm over a whole data set (every export of a generated size, loaded
//   through the bench module), after its index is built;
// - the panel on a record page with a data set already stored (`--paint DIR`): from the page's
//   navigation to the panel's first paint, its record header, its data loaded, the record's view
//   and the analysis; then the switch to another record without a reload (read from the marks the
//   panel leaves on its performance timeline, `lens:…`); then each module's screen, from the click
//   on its tab to its first insight;
// - the panel while it imports a large file (`--responsive FILE`): the longest tasks on the
//   panel's main thread (PerformanceObserver "longtask") and the extension process's peak memory
//   beside the file's size.
//
// Each measure runs once to warm up, then N times; the table lists median, min and max. Each group
// of measures gets a fresh browser, so its peak memory (the renderer's VmHWM from /proc, which
// includes wasm memory and workers) and its JS heap (CDP Runtime.getHeapUsage, after the runs)
// are its own. Benchmarks print figures; nothing here compares them with a target or fails on one.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const USAGE = `usage: node bench/browser/run.mjs --npm DIR --pkg DIR --data DIR --csv FILE [--csv FILE…]
  [--analyze DIR…] [--extension DIR] [--dist DIR] [--runs N] [--chromium PATH] [--as-of YYYY-MM-DD]
  [--native NAME=MB/s…] [--paint DIR] [--responsive FILE] [--only GROUP,…]
groups: papa, duckdb, lens, panel, analyze, paint, responsive`;

const options = parseOptions(process.argv.slice(2));
const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '../..');
const { chromium } = await import(pathToFileURL(join(options.npm, 'node_modules/playwright-core/index.mjs')).href);
const { CrmRecordPage } = await import(pathToFileURL(join(repoRoot, 'tests/pages/crm-record-page.mjs')).href);

/** The demo record the demo CRM page shows (any id works; the panel only reads it). */
const DEMO_RECORD_ID = '006Lq000001bt7nIAA';
/** The modules' names as the panel's tabs and screens name them (`Module`'s variants). */
const MODULES = ['Cockpit', 'Forecast', 'Hygiene', 'Evidence', 'Patterns', 'Poc', 'Program', 'Renewals', 'Coaching', 'Territory', 'Plays'];
/** Another record on the same demo page, one the generated data sets do not hold. */
const OTHER_RECORD_ID = '006Hp000015Yh7mIAC';

const server = await startServer({
  '/bench/': benchDir,
  '/npm/': join(options.npm, 'node_modules'),
  '/pkg/': options.pkg,
  '/data/': options.data,
  '/demo/': join(repoRoot, 'public/demo'),
});
const packageVersion = (name) => JSON.parse(readFileSync(join(options.npm, 'node_modules', name, 'package.json'), 'utf8')).version;
const chromiumVersion = spawnSync(options.chromium, ['--version'], { encoding: 'utf8' }).stdout.trim().split('\n').pop();
console.log(`browser benchmark: ${chromiumVersion}, headless; ${options.runs} runs after 1 warm-up per measure`);
// The machine may be shared: the load average says how much else ran while measuring.
const printLoad = (when) => console.log(`load average ${when}: ${loadavg().map((load) => load.toFixed(2)).join(', ')} (1, 5, 15 min)`);
printLoad('at the start');

try {
  for (const csv of options.csv) await benchmarkFile(csv);
  if (options.only.has('analyze')) {
    for (const dir of options.analyze) await benchmarkAnalysis(dir);
  }
  if (options.only.has('paint') && options.paint && options.extension) await benchmarkPaint(options.paint);
  if (options.only.has('responsive') && options.responsive && options.extension) await benchmarkResponsive(options.responsive);
  printSizes();
  printLoad('at the end');
} finally {
  server.close();
}

async function benchmarkFile(csvPath) {
  const name = basename(csvPath);
  const url = dataUrl(csvPath);
  const megabytes = statSync(csvPath).size / 1e6;
  console.log(`\n${relative(options.data, csvPath)}: ${megabytes.toFixed(1)} MB, ${countLines(csvPath)} lines`);
  const groups = [
    ['papa', ['papa-arrays', 'papa-header']],
    ['duckdb', ['duckdb']],
    ['lens', ['lens-csv', 'lens-parse', 'lens-import', 'lens-store']],
  ];
  const results = {};
  for (const [group, measures] of groups) {
    if (!options.only.has(group)) continue;
    for (const measure of measures) {
      results[measure] = await benchPageMeasure(measure, url, name);
    }
  }
  if (options.only.has('panel') && options.extension) {
    results.panel = await panelImport(csvPath);
  }
  printFileTable(results, megabytes);
}

/** One measure on the benchmark page, in a browser of its own. */
async function benchPageMeasure(measure, url, name) {
  const browser = await launch({});
  try {
    const { page } = browser;
    page.on('pageerror', (error) => console.error(`  page error (${measure}): ${error.message}`));
    await page.goto(`${server.base}/bench/page.html`);
    await page.locator('#status', { hasText: 'ready' }).waitFor();
    const load = await page.evaluate(([u, n]) => window.bench.load(u, n), [url, name]);
    const setup = await page.evaluate((m) => window.bench.setup(m), measure);
    const runs = [];
    let check = '';
    for (let run = 0; run <= options.runs; run += 1) {
      const result = await page.evaluate((m) => window.bench.run(m), measure);
      if (run > 0) runs.push(result);
      check = result.check;
    }
    const cdp = await browser.context.newCDPSession(page);
    const heap = await cdp.send('Runtime.getHeapUsage');
    const wasmBytes = await page.evaluate(() => window.bench.lensMemoryBytes());
    return {
      runs,
      setupMs: setup.ms,
      version: setup.version,
      decodeMs: load.decodeMs,
      check,
      heapUsed: heap.usedSize,
      backing: heap.backingStorageSize,
      wasmBytes,
      peakRss: peakRss(browser.userDataDir, (cmdline) => cmdline.includes('--type=renderer')),
    };
  } finally {
    await browser.close();
  }
}

/**
 * The panel's own import: the demo build of the extension on the demo CRM page, the file set on
 * the Import screen's input. Each run starts from empty storage and a freshly loaded panel; the
 * time runs from the input's change event to the result row showing "imported" (a
 * MutationObserver in the panel, see installImportTimer). Peak memory is the extension process's
 * (the panel's iframe runs there), JS heap the panel frame's.
 */
async function panelImport(csvPath) {
  const name = basename(csvPath);
  const browser = await launch({ extension: options.extension });
  try {
    const crmPage = new CrmRecordPage(browser.page, server.base);
    const runs = [];
    let check = '';
    for (let run = 0; run <= options.runs; run += 1) {
      // Every run starts from empty storage and a freshly loaded panel.
      await crmPage.openOpportunity(DEMO_RECORD_ID);
      let frame = await panelFrame(browser.page);
      await clickTab(frame, 'data');
      await frame.locator('[data-testid="data-screen"][data-load="ready"]').waitFor();
      if ((await frame.getByTestId('data-import').count()) > 0) {
        await frame.evaluate(() => {
          const wipe = document.querySelector('[data-testid="data-wipe"]');
          wipe.click();
          wipe.click();
        });
        await frame.getByTestId('data-import').first().waitFor({ state: 'detached' });
        await crmPage.openOpportunity(DEMO_RECORD_ID);
        frame = await panelFrame(browser.page);
      }
      await clickTab(frame, 'import');
      await frame.evaluate(installImportTimer, [name, true]);
      await frame.getByTestId('import-input').setInputFiles(csvPath);
      const timing = await frame.evaluate(() => window.__lensBenchDone);
      if (timing.state !== 'imported') throw new Error(`the panel did not import ${name}: ${timing.state}`);
      const summary = await crmPage.panel.summary(name);
      check = `${summary.stored} stored, ${summary.rejected} rejected`;
      if (run > 0) {
        runs.push({
          ms: timing.shown,
          parts: {
            'panel-read': timing['splitting rows'],
            'panel-import': timing.storing - timing['splitting rows'],
            'panel-store': timing.shown - timing.storing,
            'panel-frame': timing.frame,
            'panel-analysis': timing.analysis,
          },
        });
      }
    }
    const cdp = await browser.context.newCDPSession(await panelFrame(browser.page));
    const heap = await cdp.send('Runtime.getHeapUsage');
    return {
      runs,
      check,
      heapUsed: heap.usedSize,
      backing: heap.backingStorageSize,
      peakRss: peakRss(browser.userDataDir, (cmdline) => cmdline.includes('--extension-process')),
    };
  } finally {
    await browser.close();
  }
}

/** The panel's frame (the extension's iframe on the CRM page), once the panel has rendered its tabs. */
async function panelFrame(page) {
  await page.frameLocator('[data-testid="lens-panel-frame"]').getByTestId('tab-data').waitFor();
  return page.frames().find((frame) => frame.url().startsWith('chrome-extension://'));
}

/**
 * Opens a panel tab with a DOM click. The tab bar grows when an analysis arrives, so a click at
 * the coordinates a tab had a moment before can land on another tab.
 */
async function clickTab(frame, name) {
  await frame.evaluate((testId) => document.querySelector(`[data-testid="${testId}"]`).click(), `tab-${name}`);
}

/**
 * Runs in the panel: times from the file input's change event to the file's result row leaving
 * "reading", with the phases the progress line names on the way (the import worker's "splitting
 * rows" starts the import once the file is read, "storing" the decoding and the IndexedDB write),
 * then to the panel's `lens:analysis` mark (the analysis of the new data set, which the panel
 * runs once the result row is painted).
 */
function installImportTimer([fileName, waitForAnalysisMark]) {
  let started = null;
  const phases = {};
  window.addEventListener('change', () => { started ??= performance.now(); }, { capture: true });
  window.__lensBenchDone = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (started === null) return;
      const at = performance.now() - started;
      const progress = document.querySelector('[data-testid="import-progress"]')?.textContent ?? '';
      for (const phase of ['splitting rows', 'storing']) {
        if (progress.includes(`: ${phase}`)) phases[phase] ??= at;
      }
      const row = document.querySelector(`[data-testid="import-result"][data-file="${CSS.escape(fileName)}"]`);
      if (!row || row.dataset.state === 'reading' || phases.shown !== undefined) return;
      phases.shown = at;
      requestAnimationFrame(() => {
        observer.disconnect();
        phases.frame = performance.now() - started;
        // The analysis of the new data set follows the result row (after the browser paints).
        const analysed = () => performance.getEntriesByName('lens:analysis', 'mark').find((mark) => mark.startTime >= started);
        const waitForAnalysis = () => {
          const mark = analysed();
          if (mark || !waitForAnalysisMark || row.dataset.state !== 'imported' || performance.now() - started > 120_000) {
            resolve({ state: row.dataset.state, ...phases, analysis: mark ? mark.startTime - started : NaN });
          } else {
            setTimeout(waitForAnalysis, 5);
          }
        };
        waitForAnalysis();
      });
    });
    observer.observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-state'] });
  });
}

/** Every export of a generated data set loaded into Lens's wasm, indexed, then analysed N times. */
async function benchmarkAnalysis(dir) {
  const files = exportFiles(dir);
  const megabytes = files.reduce((sum, file) => sum + statSync(file).size, 0) / 1e6;
  console.log(`\nanalysis in wasm: ${relative(options.data, dir)} (${files.length} files, ${megabytes.toFixed(1)} MB), as of ${options.asOf}`);
  const browser = await launch({});
  try {
    const { page } = browser;
    let crashed = null;
    page.on('crash', () => { crashed = 'the page crashed'; });
    let panicked = false;
    page.on('console', (message) => {
      if (message.type() !== 'error') return;
      panicked ||= message.text().startsWith('lens-bench-wasm:');
      console.log(`  console: ${firstLine(message.text())}`);
    });
    await page.goto(`${server.base}/bench/page.html`);
    await page.locator('#status', { hasText: 'ready' }).waitFor();
    let loaded;
    try {
      loaded = await page.evaluate(
        ([list, asOf]) => window.bench.regionLoad(list, asOf),
        [files.map((file) => [dataUrl(file), basename(file)]), options.asOf],
      );
    } catch (error) {
      const memory = crashed ? null : await page.evaluate(() => window.bench.lensMemoryBytes()).catch(() => null);
      console.log(`  loading stopped: ${crashed ?? firstLine(error.message)}`);
      if (memory) console.log(`  Lens wasm memory when it stopped: ${mib(memory)}`);
      console.log(`  renderer peak RSS: ${mib(peakRss(browser.userDataDir, (c) => c.includes('--type=renderer')))}`);
      return;
    }
    console.log(`  loaded ${loaded.files} files (${loaded.snapshots} snapshots): import ${seconds(loaded.importMs)} in wasm (fetch ${seconds(loaded.fetchMs)}), index ${ms(loaded.indexMs)}; Lens wasm memory ${mib(loaded.memoryBytes)}`);
    const runs = [];
    let check = '';
    try {
      for (let run = 0; run <= options.runs; run += 1) {
        const result = await page.evaluate((asOf) => window.bench.regionAnalyze(asOf), options.asOf);
        if (run > 0) runs.push(result);
        check = result.check;
      }
    } catch (error) {
      const memory = crashed ? null : await page.evaluate(() => window.bench.lensMemoryBytes()).catch(() => null);
      const why = panicked ? 'a panic, above' : 'no panic message: the module ran out of memory or aborted';
      console.log(`  analyze stopped: ${crashed ?? firstLine(error.message)} (${why})`);
      console.log(`  Lens wasm memory when it stopped: ${mib(memory)} (loaded: ${mib(loaded.memoryBytes)}); renderer peak RSS ${mib(peakRss(browser.userDataDir, (c) => c.includes('--type=renderer')))}`);
      return;
    }
    const memory = await page.evaluate(() => window.bench.lensMemoryBytes());
    const stats = summarise(runs.map((run) => run.ms));
    console.log(`  analyze (every module, default settings): median ${ms(stats.median)} (min ${ms(stats.min)}, max ${ms(stats.max)}), ${check}`);
    console.log(`  Lens wasm memory ${mib(memory)}; renderer peak RSS ${mib(peakRss(browser.userDataDir, (c) => c.includes('--type=renderer')))}`);
  } finally {
    await browser.close();
  }
}

/**
 * The panel on a record page with a data set already in its storage. The data set is imported
 * once through the Import screen; then, N times after a warm-up, the record page is loaded afresh
 * and the moments the panel reached are read from its performance timeline, relative to the
 * record page's navigation start: the panel frame's first contentful paint, its record header
 * (`lens:record-header`), the data set read back from storage (`lens:data-loaded`), the record's
 * view (`lens:record-view`) and the analysis (`lens:analysis`). Then the page moves to another
 * record and back the way a CRM does (history.pushState, no reload), each timed from the click on
 * the page to the panel's header and view of the new record.
 */
async function benchmarkPaint(dir) {
  const files = exportFiles(dir);
  const megabytes = files.reduce((sum, file) => sum + statSync(file).size, 0) / 1e6;
  console.log(`\npanel on a record page: ${relative(options.data, dir)} stored (${files.length} files, ${megabytes.toFixed(1)} MB)`);
  const browser = await launch({ extension: options.extension });
  try {
    const crmPage = new CrmRecordPage(browser.page, server.base);
    await crmPage.openOpportunity(DEMO_RECORD_ID);
    await panelFrame(browser.page);
    const started = performance.now();
    await crmPage.panel.importFiles(files);
    for (const file of files) {
      const state = await crmPage.panel.waitForResult(basename(file), 600_000);
      if (state !== 'imported') throw new Error(`the panel did not import ${basename(file)}: ${state}`);
    }
    await waitForMark(await panelFrame(browser.page), 'lens:analysis', 0);
    console.log(`  imported through the panel in ${seconds(performance.now() - started)}`);

    const loads = [];
    const switches = [];
    for (let run = 0; run <= options.runs; run += 1) {
      await crmPage.openOpportunity(DEMO_RECORD_ID);
      const frame = await panelFrame(browser.page);
      await waitForMark(frame, 'lens:analysis', 0);
      const pageOrigin = await browser.page.evaluate(() => performance.timeOrigin);
      const panel = await frame.evaluate(() => ({
        origin: performance.timeOrigin,
        paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime,
        marks: performance.getEntriesByType('mark').map((mark) => [mark.name, mark.startTime]),
      }));
      const at = (name) => {
        const found = panel.marks.find(([markName]) => markName === name);
        return found ? panel.origin + found[1] - pageOrigin : NaN;
      };
      const load = {
        frame: panel.origin - pageOrigin,
        paint: panel.paint === undefined ? NaN : panel.origin + panel.paint - pageOrigin,
        header: at(`lens:record-header ${DEMO_RECORD_ID}`),
        data: at('lens:data-loaded'),
        view: at(`lens:record-view ${DEMO_RECORD_ID}`),
        analysis: at('lens:analysis'),
      };
      const switched = {};
      for (const [key, id] of [['away', OTHER_RECORD_ID], ['back', DEMO_RECORD_ID]]) {
        const clicked = await browser.page.evaluate((recordId) => {
          const at = performance.timeOrigin + performance.now();
          document.querySelector(`[data-testid="demo-link-${recordId}"]`).click();
          return at;
        }, id);
        const since = clicked - panel.origin;
        const header = await waitForMark(frame, `lens:record-header ${id}`, since);
        const view = await waitForMark(frame, `lens:record-view ${id}`, since);
        switched[`${key}-header`] = header - since;
        switched[`${key}-view`] = view - since;
      }
      if (run > 0) {
        loads.push(load);
        switches.push(switched);
      }
    }
    const rows = [];
    const labels = {
      frame: 'navigation → panel frame starts loading',
      paint: 'navigation → panel first contentful paint',
      header: 'navigation → record header (read from the page)',
      data: 'navigation → stored data set read back',
      view: "navigation → the record's view (history, evidence)",
      analysis: 'navigation → analysis (every module)',
      'away-header': `switch to another record (${OTHER_RECORD_ID}) → its header`,
      'away-view': '  → its view',
      'back-header': `switch back (${DEMO_RECORD_ID}) → its header`,
      'back-view': '  → its view',
    };
    for (const [key, label] of Object.entries(labels)) {
      const values = [...loads, ...switches].map((run) => run[key]).filter((value) => value !== undefined);
      if (values.length === 0 || values.some(Number.isNaN)) {
        rows.push([label, 'not seen', '', '']);
        continue;
      }
      const stats = summarise(values);
      rows.push([label, ms(stats.median), ms(stats.min), ms(stats.max)]);
    }
    printTable(['moment', 'median', 'min', 'max'], rows);

    // Each module's screen, opened from its tab once the analysis is there: from the click to its
    // first insight (or its "nothing to describe" line) on screen, timed from Node, so each figure
    // carries a few milliseconds of the DevTools protocol's polling.
    const frame = await panelFrame(browser.page);
    const opened = [];
    for (const module of MODULES) {
      const tab = frame.getByTestId(`tab-${module.toLowerCase()}`);
      if ((await tab.count()) === 0) {
        opened.push([module, 'no tab (no section in this analysis)', '']);
        continue;
      }
      const started = performance.now();
      await tab.click();
      const screen = frame.locator(`[data-testid="module-screen"][data-module="${module}"]`);
      await screen.locator('[data-testid="insight"], [data-testid="insight-group"], p:has-text("Nothing to describe")').first().waitFor({ timeout: 600_000 });
      const elapsed = performance.now() - started;
      const insights = await screen.locator('[data-testid="insight"]').count();
      opened.push([module, ms(elapsed), `${insights} insights on screen`]);
    }
    console.log('  module screens, click on the tab → its first insight shown (once each):');
    printTable(['module', 'time', 'listed'], opened);
    console.log(`  extension process peak RSS ${mib(peakRss(browser.userDataDir, (cmdline) => cmdline.includes('--extension-process')))}`);
  } finally {
    await browser.close();
  }
}

/**
 * Waits for a mark the panel leaves on its performance timeline at or after `since` (ms on the
 * panel's own clock) and returns its time on that clock.
 */
async function waitForMark(frame, name, since) {
  const handle = await frame.waitForFunction(
    ([markName, after]) => performance.getEntriesByName(markName, 'mark').find((mark) => mark.startTime >= after)?.startTime,
    [name, since],
    { timeout: 600_000, polling: 5 },
  );
  return handle.jsonValue();
}

/**
 * The panel's Import screen on one large file, with a PerformanceObserver for long tasks in the
 * panel frame: the main thread's longest tasks while the file is read, split, typed, stored and
 * analysed, and the extension process's peak memory beside the file's size.
 */
async function benchmarkResponsive(file) {
  const name = basename(file);
  const bytes = statSync(file).size;
  console.log(`\npanel while importing ${relative(options.data, file)} (${(bytes / 1e6).toFixed(1)} MB, ${countLines(file)} lines)`);
  const browser = await launch({ extension: options.extension });
  try {
    const crmPage = new CrmRecordPage(browser.page, server.base);
    await crmPage.openOpportunity(DEMO_RECORD_ID);
    const frame = await panelFrame(browser.page);
    await clickTab(frame, 'import');
    const rssBefore = peakRss(browser.userDataDir, (cmdline) => cmdline.includes('--extension-process'));
    // A history alone gives no analysis (no snapshot to date it): the timer stops at "imported".
    await frame.evaluate(installImportTimer, [name, false]);
    await frame.evaluate(() => {
      window.__lensLongTasks = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) window.__lensLongTasks.push([entry.startTime, entry.duration]);
      }).observe({ type: 'longtask' });
      window.__lensImportStart = performance.now();
    });
    await frame.getByTestId('import-input').setInputFiles(file);
    const timing = await frame.evaluate(() => window.__lensBenchDone);
    const summary = await crmPage.panel.summary(name);
    // What follows the result row (the data set indexed again, an analysis when the data holds a
    // snapshot) is main-thread work too: wait until the panel has had no long task for 2 s.
    await frame.waitForFunction(() => {
      const last = window.__lensLongTasks.at(-1);
      return performance.now() - (last ? last[0] + last[1] : window.__lensImportStart) > 2000;
    }, null, { timeout: 120_000, polling: 200 });
    const { tasks, marks } = await frame.evaluate(() => ({
      tasks: window.__lensLongTasks.filter(([start]) => start >= window.__lensImportStart),
      marks: performance.getEntriesByType('mark').filter((mark) => mark.startTime >= window.__lensImportStart)
        .map((mark) => [mark.name, mark.startTime]),
    }));
    const durations = tasks.map(([, duration]) => duration).sort((a, b) => b - a);
    const over = (limit) => durations.filter((duration) => duration > limit).length;
    console.log(`  ${timing.state} in ${seconds(timing.shown)}: ${summary.stored} stored, ${summary.rejected} rejected`);
    console.log(`  main-thread tasks over 50 ms: ${durations.length}; over 100 ms: ${over(100)}; over 500 ms: ${over(500)}`);
    // Each long task beside the panel's step marks it spans or follows (lens:…, see browser.rs).
    for (const [start, duration] of [...tasks].sort((a, b) => b[1] - a[1]).slice(0, 5)) {
      const before = marks.filter(([, at]) => at <= start).at(-1)?.[0] ?? 'the import started';
      const within = marks.filter(([, at]) => at > start && at <= start + duration).map(([markName]) => markName);
      console.log(`    ${ms(duration)} at ${seconds(start - tasks[0][0] + 0)} after the first; after ${before}${within.length ? `; ends with ${within.join(', ')}` : ''}`);
    }
    const peak = peakRss(browser.userDataDir, (cmdline) => cmdline.includes('--extension-process'));
    console.log(`  extension process peak RSS ${mib(peak)} (${mib(rssBefore)} before the import) = ${(peak / bytes).toFixed(2)}× the file; above what it held before: ${mib(peak - rssBefore)} = ${((peak - rssBefore) / bytes).toFixed(2)}× the file`);
  } finally {
    await browser.close();
  }
}

function printFileTable(measured, megabytes) {
  const labels = {
    'papa-arrays': `PapaParse ${packageVersion('papaparse')} parse, arrays (text given)`,
    'papa-header': `PapaParse ${packageVersion('papaparse')} parse, header: true (text given)`,
    duckdb: 'DuckDB-wasm register + CREATE TABLE read_csv_auto',
    'lens-csv': 'Lens wasm: csv crate alone (records)',
    'lens-parse': 'Lens wasm: parse (decode + split rows)',
    'lens-import': 'Lens wasm: import (parse + detect + type)',
    'lens-store': 'Lens wasm: import + encode + IndexedDB write',
    panel: 'Lens panel: Import screen, change → "imported"',
  };
  const rows = [];
  for (const [key, label] of Object.entries(labels)) {
    const result = measured[key];
    if (!result) continue;
    const stats = summarise(result.runs.map((run) => run.ms));
    rows.push([label, ms(stats.median), ms(stats.min), ms(stats.max), (megabytes / (stats.median / 1000)).toFixed(1),
      result.peakRss ? mib(result.peakRss) : '', mib(result.heapUsed), result.check]);
    if (result.runs[0].parts) {
      for (const part of Object.keys(result.runs[0].parts)) {
        const partStats = summarise(result.runs.map((run) => run.parts[part]));
        const partLabel = {
          import: '  import (parse + detect + type)',
          encode: '  encode (copy, postcard chunks)',
          idb: '  IndexedDB write (1 transaction)',
          analyze: '  then (not in the total) index + every module',
          'panel-read': '  change → "splitting rows" (file read in the worker)',
          'panel-import': '  "splitting rows" → "storing" (import and encoding in the worker)',
          'panel-store': '  "storing" → "imported" (decode, IndexedDB write, index)',
          'panel-frame': '  change → next frame after "imported"',
          'panel-analysis': '  change → analysis of the new data (lens:analysis, after that frame)',
        }[part] ?? part;
        if (result.runs.some((run) => run.parts[part] === undefined || Number.isNaN(run.parts[part]))) {
          rows.push([partLabel, 'not seen', '', '', '', '', '', '']);
          continue;
        }
        rows.push([partLabel, ms(partStats.median), ms(partStats.min), ms(partStats.max), '', '', '', '']);
      }
    }
  }
  printTable(['measure', 'median', 'min', 'max', 'MB/s', 'peak RSS', 'JS heap', 'result'], rows);
  const extra = [];
  const decode = measured['papa-arrays']?.decodeMs ?? measured['papa-header']?.decodeMs;
  if (decode !== undefined) extra.push(`TextDecoder, bytes → string for PapaParse (not in its times): ${ms(decode)}`);
  if (measured.duckdb) extra.push(`DuckDB-wasm ${packageVersion('@duckdb/duckdb-wasm')} (DuckDB ${measured.duckdb.version}) start-up (module, worker, instantiate, connect; once): ${ms(measured.duckdb.setupMs)}`);
  if (measured['lens-import']) extra.push(`Lens bench module start-up (fetch + instantiate): ${ms(measured['lens-import'].setupMs)}; Lens wasm memory after the import runs: ${mib(measured['lens-import'].wasmBytes)}`);
  for (const line of extra) console.log(`  ${line}`);

  const median = (key) => (measured[key] ? summarise(measured[key].runs.map((run) => run.ms)).median : undefined);
  const ratioRows = [];
  for (const lensKey of ['panel', 'lens-store', 'lens-import']) {
    for (const peer of ['papa-arrays', 'papa-header', 'duckdb']) {
      const lens = median(lensKey);
      const other = median(peer);
      if (lens === undefined || other === undefined) continue;
      ratioRows.push([labels[lensKey], labels[peer], (lens / other).toFixed(2), (other / lens).toFixed(2)]);
    }
  }
  if (ratioRows.length > 0) {
    console.log('');
    printTable(['Lens', 'peer', 'Lens/peer time', 'peer/Lens time'], ratioRows);
  }
  // Each wasm step beside the native csv crate and beside the same step compiled natively.
  const pairs = [['lens-csv', 'csv crate'], ['lens-parse', 'csv crate'], ['lens-parse', 'Lens parse'],
    ['lens-import', 'csv crate'], ['lens-import', 'Lens import']];
  const throughputRows = [];
  for (const [key, nativeName] of pairs) {
    const lens = median(key);
    const nativeMbps = options.native[nativeName];
    if (lens === undefined || nativeMbps === undefined) continue;
    const wasmMbps = megabytes / (lens / 1000);
    throughputRows.push([labels[key], `native ${nativeName}`, `${wasmMbps.toFixed(1)} / ${nativeMbps.toFixed(1)} MB/s`, `${((100 * wasmMbps) / nativeMbps).toFixed(0)}%`]);
  }
  if (throughputRows.length > 0) {
    console.log('');
    printTable(['wasm', 'native (same file)', 'MB/s', 'wasm/native'], throughputRows);
  }
}

function printSizes() {
  const rows = [];
  const add = (label, files) => {
    const present = files.filter((file) => existsSync(file));
    if (present.length === 0) return;
    const raw = present.reduce((sum, file) => sum + statSync(file).size, 0);
    const gzipped = present.reduce((sum, file) => sum + gzipSync(readFileSync(file), { level: 9 }).length, 0);
    rows.push([label, kib(raw), kib(gzipped), present.map((file) => basename(file)).join(' + ')]);
  };
  if (options.dist) {
    add('Lens panel (wasm + js + css + html)', ['pkg/lens_ext_bg.wasm', 'pkg/lens_ext.js', 'panel.js', 'panel.css', 'panel.html'].map((file) => join(options.dist, file)));
    add('Lens panel wasm alone', [join(options.dist, 'pkg/lens_ext_bg.wasm')]);
    add("Lens workers' module (importer + analyst; import and analysis workers)", ['pkg/lens_worker_bg.wasm', 'pkg/lens_worker.js', 'import-worker.js', 'analysis-worker.js', 'worker-stop.js'].map((file) => join(options.dist, file)));
  }
  add('Lens bench module (core import + analysis, no UI)', [join(options.pkg, 'lens_bench_wasm_bg.wasm'), join(options.pkg, 'lens_bench_wasm.js')]);
  const npm = join(options.npm, 'node_modules');
  add('PapaParse (min)', [join(npm, 'papaparse/papaparse.min.js')]);
  add('DuckDB-wasm (eh wasm + worker + module)', ['duckdb-eh.wasm', 'duckdb-browser-eh.worker.js', 'duckdb-browser.mjs'].map((file) => join(npm, '@duckdb/duckdb-wasm/dist', file)));
  add('Apache Arrow (DuckDB-wasm needs it; es2015 min)', [join(npm, 'apache-arrow/Arrow.es2015.min.js')]);
  console.log('\nsizes (gzip -9)');
  printTable(['what', 'raw', 'gzipped', 'files'], rows);
}

// ---- browser, processes, server -------------------------------------------------------------

async function launch({ extension }) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'lens-bench-'));
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    // Replaces Playwright's own --disable-features list, which turns off third-party storage
    // partitioning and with it IndexedDB inside the extension iframe.
    '--disable-features=MediaRouter',
    // Lets the page collect garbage between runs (outside the timed part).
    '--js-flags=--expose-gc',
  ];
  if (extension) args.push(`--disable-extensions-except=${extension}`, `--load-extension=${extension}`);
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: options.chromium,
    headless: true,
    viewport: { width: 1280, height: 800 },
    ignoreDefaultArgs: extension ? ['--disable-extensions'] : [],
    args,
  });
  if (extension && context.serviceWorkers().length === 0) await context.waitForEvent('serviceworker');
  // Loading a region or a large file on a shared machine can outlast Playwright's 30 s default.
  context.setDefaultTimeout(60_000);
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    userDataDir,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** The highest peak resident set (VmHWM) among the browser's processes that `select` picks by command line. */
function peakRss(userDataDir, select) {
  const processes = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      processes.set(Number(entry), { parent, cmdline });
    } catch {
      // The process ended while being read.
    }
  }
  const roots = [...processes].filter(([, p]) => p.cmdline.includes(`--user-data-dir=${userDataDir}`)).map(([pid]) => pid);
  const inBrowser = (pid) => {
    for (let at = pid; at > 1; at = processes.get(at)?.parent ?? 0) if (roots.includes(at)) return true;
    return false;
  };
  let peak = 0;
  for (const [pid, { cmdline }] of processes) {
    if (!inBrowser(pid) || !select(cmdline)) continue;
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      peak = Math.max(peak, kb * 1024);
    } catch {
      // Gone.
    }
  }
  return peak;
}

async function startServer(roots) {
  const types = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript; charset=utf-8',
    '.mjs': 'text/javascript; charset=utf-8',
    '.css': 'text/css; charset=utf-8',
    '.json': 'application/json',
    '.wasm': 'application/wasm',
    '.csv': 'text/csv; charset=utf-8',
  };
  const httpServer = createServer((request, response) => {
    const path = decodeURI(new URL(request.url, 'http://127.0.0.1').pathname);
    let file = null;
    if (/^\/lightning\/r\/Opportunity\/[A-Za-z0-9]+\/view$/.test(path)) {
      file = join(roots['/demo/'], 'opportunity.html');
    } else {
      for (const [prefix, root] of Object.entries(roots)) {
        if (!path.startsWith(prefix)) continue;
        const candidate = resolve(root, `.${path.slice(prefix.length - 1)}`);
        if (candidate === root || candidate.startsWith(root + sep)) file = candidate;
      }
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      response.writeHead(path === '/favicon.ico' ? 204 : 404).end();
      return;
    }
    response.writeHead(200, {
      'Content-Type': types[extname(file)] ?? 'application/octet-stream',
      'Content-Length': statSync(file).size,
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(response);
  });
  await new Promise((resolveListen) => httpServer.listen(0, '127.0.0.1', resolveListen));
  return { base: `http://127.0.0.1:${httpServer.address().port}`, close: () => httpServer.close() };
}

function dataUrl(file) {
  return `${server.base}/data/${relative(options.data, file).split(sep).map(encodeURIComponent).join('/')}`;
}

/** Every CSV of a generated data set (one level of subfolders), sorted by path, as the native bench reads them. */
function exportFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      for (const inner of readdirSync(path)) if (inner.endsWith('.csv')) files.push(join(path, inner));
    } else if (entry.name.endsWith('.csv')) {
      files.push(path);
    }
  }
  return files.sort();
}

// ---- formatting and options -----------------------------------------------------------------

function summarise(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

function printTable(header, rows) {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => String(row[column]).length)));
  const line = (cells) => `  ${cells.map((cell, column) => (column === 0 || column === cells.length - 1 ? String(cell).padEnd(widths[column]) : String(cell).padStart(widths[column]))).join('  ')}`.trimEnd();
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

function ms(value) {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(1)} ms`;
}

function seconds(value) {
  return `${(value / 1000).toFixed(1)} s`;
}

function mib(bytes) {
  return bytes === null || bytes === undefined ? '' : `${(bytes / 1048576).toFixed(0)} MiB`;
}

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function firstLine(text) {
  return String(text).split('\n')[0];
}

function countLines(file) {
  const bytes = readFileSync(file);
  let lines = 0;
  for (const byte of bytes) if (byte === 10) lines += 1;
  return lines;
}

function parseOptions(args) {
  const parsed = { csv: [], analyze: [], runs: 5, chromium: '/usr/bin/chromium', asOf: '2026-11-13', native: {}, only: new Set(['papa', 'duckdb', 'lens', 'panel', 'analyze', 'paint', 'responsive']) };
  for (let index = 0; index < args.length; index += 1) {
    const value = () => {
      index += 1;
      if (index >= args.length) fail(`${args[index - 1]} needs a value`);
      return args[index];
    };
    switch (args[index]) {
      case '--npm': parsed.npm = resolve(value()); break;
      case '--pkg': parsed.pkg = resolve(value()); break;
      case '--data': parsed.data = resolve(value()); break;
      case '--csv': parsed.csv.push(resolve(value())); break;
      case '--analyze': parsed.analyze.push(resolve(value())); break;
      case '--paint': parsed.paint = resolve(value()); break;
      case '--responsive': parsed.responsive = resolve(value()); break;
      case '--extension': parsed.extension = resolve(value()); break;
      case '--dist': parsed.dist = resolve(value()); break;
      case '--chromium': parsed.chromium = value(); break;
      case '--as-of': parsed.asOf = value(); break;
      case '--runs': parsed.runs = Number(value()); break;
      case '--only': parsed.only = new Set(value().split(',')); break;
      case '--native': {
        const [name, mbps] = value().split('=');
        parsed.native[name] = Number(mbps);
        break;
      }
      default: fail(`unknown argument ${args[index]}`);
    }
  }
  if (!parsed.npm || !parsed.pkg || !parsed.data) fail('--npm, --pkg and --data are required');
  if (!(parsed.runs >= 1)) fail('--runs takes a number of at least 1');
  for (const file of [...parsed.csv, ...parsed.analyze, parsed.paint, parsed.responsive].filter(Boolean)) {
    if (!(file === parsed.data || file.startsWith(parsed.data + sep))) fail(`${file} is not under --data ${parsed.data}`);
  }
  return parsed;
}

function fail(message) {
  console.error(`run.mjs: ${message}\n${USAGE}`);
  process.exit(2);
}
