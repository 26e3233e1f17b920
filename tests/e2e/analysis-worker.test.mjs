// Journey: the data set and its analysis live in a worker of their own. The panel shows each
// insight with its first evidence rows and the full count, and a download brings every row from
// the worker. When the browser starts no worker at all, the panel runs the same analyst itself and
// shows the same numbers. A module's screen lists the first findings of each measure about
// records or reps and asks the worker for the rest when the user wants them. A worker that runs out
// of memory says so, and the panel starts a new one when it next reads the stored data back.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, screenshotDir } from '../support/environment.mjs';
import { dealsCsv } from '../support/exports.mjs';

const ROWS = 1_500;
/** Row 999's amount is not a number (see `dealsCsv`): the other rows are stored, every deal open. */
const STORED = ROWS - 1;
/** The evidence rows the panel lists under an insight before "download all". */
const SHOWN_ROWS = 20;

let scratchDir;
let file;
/** The Cockpit's values as the panel showed them with the analysis worker. */
let withWorker;

before(async () => {
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-analyst-'));
  file = join(scratchDir, 'pipeline.csv');
  await writeFile(file, dealsCsv(ROWS, { stage: 'Proposal', month: '2026-05' }));
});

after(async () => {
  await rm(scratchDir, { recursive: true, force: true });
});

/** Opens the record page in a fresh browser and imports `path` through the panel, as of 2026-04-01. */
async function importFile(browser, path) {
  const crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity('006Hp000015Yh7mIAC');
  await crmPage.panel.recordHeader.waitFor();
  const { panel } = crmPage;
  await panel.setImportAsOf('2026-04-01');
  await panel.importFiles([path]);
  assert.equal(await panel.waitForResult(basename(path), 60_000), 'imported');
  return crmPage;
}

/** Opens the record page in a fresh browser, imports the file and opens the Cockpit. */
async function importAndOpenCockpit(browser) {
  const crmPage = await importFile(browser, file);
  const { panel } = crmPage;
  await panel.openTab('cockpit');
  await panel.frame.getByTestId('insight').first().waitFor();
  return crmPage;
}

test('the analysis runs in its worker; the panel lists the first rows and downloads all of them', async () => {
  const browser = await launchWithExtension();
  try {
    const crmPage = await importAndOpenCockpit(browser);
    const { panel } = crmPage;
    const workers = browser.page.workers().map((worker) => worker.url());
    assert.ok(workers.some((url) => url.endsWith('/analysis-worker.js')), `the analysis worker runs: ${workers}`);
    withWorker = await panel.insightValues();
    assert.ok(Object.keys(withWorker).length >= 5, `the Cockpit has numbers: ${JSON.stringify(withWorker)}`);

    // The evidence of an insight is drawn when it is first opened.
    assert.equal(await panel.frame.locator('[data-testid="insight"] [data-testid="evidence"]').count(), 0);
    const insights = panel.frame.locator('[data-testid="insight"]');
    const listed = await insights.count();
    for (let at = 0; at < listed; at++) await insights.nth(at).locator('summary').first().click();
    await panel.frame.locator('[data-testid="insight"] [data-testid="evidence"]').nth(listed - 1).waitFor();

    // An insight over every open deal: the screen lists 20 of its rows, the count says all.
    const insight = panel.frame.locator('[data-testid="insight"]', {
      has: panel.frame.locator('[data-testid="evidence-row-count"]', { hasText: new RegExp(`^${STORED}$`) }),
    }).first();
    const evidence = insight.getByTestId('evidence');
    await evidence.getByTestId('evidence-rows').waitFor();
    assert.equal(await evidence.locator('[data-testid="evidence-rows"] tbody tr').count(), SHOWN_ROWS);
    assert.ok((await evidence.innerText()).includes(`${STORED - SHOWN_ROWS} more rows not shown`));

    const [download] = await Promise.all([
      crmPage.page.waitForEvent('download'),
      evidence.getByTestId('evidence-download').click(),
    ]);
    const text = await readDownload(download);
    const lines = text.trim().split(/\r?\n/);
    assert.equal(lines[0].split(',')[0], 'record_id');
    assert.equal(lines.length - 1, STORED, 'every row behind the number is in the file');
  } finally {
    await browser.close();
  }
});

test('a measure with more findings than a screen lists shows the first 25, then the rest from the worker', async () => {
  const REPS = 40;
  const many = join(scratchDir, 'forty-reps.csv');
  await writeFile(many, dealsCsv(400, { stage: 'Proposal', month: '2026-05', reps: REPS }));
  const browser = await launchWithExtension();
  try {
    const crmPage = await importFile(browser, many);
    const { panel } = crmPage;
    await panel.openTab('forecast');
    // One finding per rep for this measure: 40 in all, 25 on the page.
    const group = panel.frame.locator('[data-testid="insight-group"][data-measure="rollup_no_category"]');
    await group.waitFor();
    assert.equal((await group.locator('summary.lens-group-title').textContent()).trim(), `rollup no category · ${REPS} reps`);
    await group.locator('summary.lens-group-title').click();
    const listed = group.getByTestId('insight');
    assert.equal(await listed.count(), 25);
    const first = await listed.evaluateAll((nodes) => nodes.map((node) => node.dataset.key));
    const more = group.getByRole('button', { name: `Show ${REPS - 25} more` });
    await more.scrollIntoViewIfNeeded();
    await crmPage.screenshot(join(screenshotDir, 'forecast-first-reps.png'));
    await more.click();
    await listed.nth(REPS - 1).waitFor();
    assert.equal(await listed.count(), REPS);
    const all = await listed.evaluateAll((nodes) => nodes.map((node) => node.dataset.key));
    assert.deepEqual(all.slice(0, 25), first, 'the first 25 stay in place');
    assert.equal(new Set(all).size, REPS, 'each rep once');
    assert.equal(await more.count(), 0, 'nothing more to show');
    await crmPage.screenshot(join(screenshotDir, 'forecast-all-reps.png'));
  } finally {
    await browser.close();
  }
});

test('a worker that runs out of memory is named as such; deleting an import reads the rest back in a new one', async () => {
  const larger = join(scratchDir, 'larger.csv');
  await writeFile(larger, dealsCsv(40_000, { stage: 'Negotiation', month: '2026-06' }));
  const browser = await launchWithExtension();
  try {
    const crmPage = await importAndOpenCockpit(browser);
    const { panel } = crmPage;
    const before = await panel.insightValues();

    // The analysis worker's module takes all the memory a browser gives one module, so the next
    // allocation it cannot serve from what it already holds fails, as it would at a region's scale.
    const analysisWorker = browser.page.workers().find((worker) => worker.url().endsWith('/analysis-worker.js'));
    const held = await analysisWorker.evaluate(async () => {
      const glue = await import(new URL('./pkg/lens_worker.js', self.location.href).href);
      const { memory } = await glue.default();
      memory.grow(65_536 - memory.buffer.byteLength / 65_536);
      return memory.buffer.byteLength;
    });
    assert.equal(held, 4 * 1024 ** 3);

    // The larger file is stored; reading it into the analyst's data set needs memory.
    await panel.importFiles([larger]);
    assert.equal(await panel.waitForResult(basename(larger), 60_000), 'imported');
    const loadError = panel.frame.getByTestId('load-error');
    await loadError.waitFor({ timeout: 60_000 });
    assert.equal(
      await loadError.textContent(),
      'The stored data could not be loaded: asking the analysis worker: Lens ran out of memory: its worker '
        + 'held 4,096 MiB when it needed more, and a browser gives one WebAssembly module at most 4,096 MiB',
    );
    await crmPage.screenshot(join(screenshotDir, 'analysis-worker-out-of-memory.png'));

    // Both imports are listed, and the larger can be deleted: the panel reads the other back in a
    // new worker and shows what it showed before.
    await panel.openTab('data');
    const rows = panel.frame.getByTestId('data-import');
    assert.deepEqual(await rows.evaluateAll((nodes) => nodes.map((node) => node.dataset.file)), [basename(file), basename(larger)]);
    await panel.frame.locator(`[data-testid="data-import"][data-file="${basename(larger)}"]`).getByTestId('data-delete').click();
    assert.deepEqual(await panel.storedFiles(), [basename(file)]);
    assert.equal(await loadError.count(), 0);
    await panel.openTab('cockpit');
    await panel.frame.getByTestId('insight').first().waitFor();
    assert.deepEqual(await panel.insightValues(), before);
  } finally {
    await browser.close();
  }
});

test('when the browser starts no worker, the panel runs the analyst itself with the same numbers', async () => {
  const browser = await launchWithExtension();
  try {
    // Before the panel's own script runs: no worker can start in the extension's pages.
    await browser.context.addInitScript(() => {
      if (location.protocol !== 'chrome-extension:') return;
      window.Worker = function Worker() {
        throw new Error('workers are turned off for this test');
      };
    });
    const crmPage = await importAndOpenCockpit(browser);
    // Neither the import nor the analysis started a worker: both ran on the panel's thread.
    assert.deepEqual(browser.page.workers().map((worker) => worker.url()), [], 'no worker was started');
    assert.ok(withWorker, 'the test with a worker ran first');
    assert.deepEqual(await crmPage.panel.insightValues(), withWorker);
  } finally {
    await browser.close();
  }
});

async function readDownload(download) {
  const chunks = [];
  for await (const chunk of await download.createReadStream()) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
