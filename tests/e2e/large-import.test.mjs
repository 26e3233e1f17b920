// Journey: a large export is read in a background worker. The panel shows the file's own progress
// (reading, splitting rows, reading rows, storing) while it works, and every row is accounted for.
// The importer is a wasm module of its own, which the panel loads itself only when no worker starts.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl } from '../support/environment.mjs';
import { dealsCsv, fetchedByPanel, watchPanelFetches } from '../support/exports.mjs';

const ROWS = 60_000;

let browser;
let crmPage;
let scratchDir;

before(async () => {
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-large-'));
  await writeFile(join(scratchDir, 'large.csv'), dealsCsv(ROWS, { stage: 'Proposal', month: '2026-03' }));
  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity('006Hp000015Yh7mIAC');
  await crmPage.panel.recordHeader.waitFor();
});

after(async () => {
  await browser?.close();
  await rm(scratchDir, { recursive: true, force: true });
});

test('a 60,000-row export is imported in a worker with its own progress bar', async () => {
  const { panel } = crmPage;
  const workers = [];
  browser.page.on('worker', (worker) => workers.push(worker.url()));
  await panel.setImportAsOf('2026-03-01');

  // Record every step the file's progress line names while it is read.
  const frame = await crmPage.panelFrame();
  await watchPanelFetches(frame);
  await frame.evaluate(() => {
    window.lensStepsSeen = new Set();
    new MutationObserver(() => {
      for (const line of document.querySelectorAll('[data-testid="import-file-progress"]')) {
        const share = line.querySelector('progress')?.getAttribute('value');
        window.lensStepsSeen.add(`${line.textContent.trim()}${share === null || share === undefined ? '' : ' (share)'}`);
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });

  await panel.importFiles([join(scratchDir, 'large.csv')]);
  assert.equal(await panel.waitForResult('large.csv', 120_000), 'imported');
  const summary = await panel.summary('large.csv');
  assert.equal(summary.dataRows, ROWS);
  assert.equal(summary.rejected, ROWS / 1000);
  assert.equal(summary.stored, ROWS - ROWS / 1000);

  assert.ok(workers.some((url) => url.endsWith('/import-worker.js')), `a worker was started: ${workers}`);
  // The importer is the worker's module; the panel never downloads it when a worker runs.
  const fetched = await fetchedByPanel(frame);
  assert.ok(!fetched.some((url) => url.endsWith('/pkg/lens_worker_bg.wasm')), `the panel did not load the importer: ${fetched}`);
  const steps = await frame.evaluate(() => [...window.lensStepsSeen]);
  for (const step of ['splitting rows (share)', 'reading rows (share)', 'storing']) {
    assert.ok(steps.includes(step), `progress showed "${step}" (saw ${steps.join(', ')})`);
  }
});

test('when the browser starts no worker, the panel loads the importer itself and imports in place', async () => {
  const { panel } = crmPage;
  const rows = 3_000;
  await writeFile(join(scratchDir, 'no-worker.csv'), dealsCsv(rows, { stage: 'Qualification', month: '2026-04' }));
  const workers = [];
  browser.page.on('worker', (worker) => workers.push(worker.url()));
  const frame = await crmPage.panelFrame();
  await watchPanelFetches(frame);
  await frame.evaluate(() => {
    window.Worker = function Worker() {
      throw new Error('workers are turned off for this test');
    };
  });
  await panel.setImportAsOf('2026-04-01');
  await panel.importFiles([join(scratchDir, 'no-worker.csv')]);
  assert.equal(await panel.waitForResult('no-worker.csv', 60_000), 'imported');
  const summary = await panel.summary('no-worker.csv');
  assert.equal(summary.dataRows, rows);
  assert.equal(summary.rejected, rows / 1000);
  assert.equal(summary.stored, rows - rows / 1000);
  assert.deepEqual(workers, [], 'no worker was started');
  const fetched = await fetchedByPanel(frame);
  assert.ok(fetched.some((url) => url.endsWith('/pkg/lens_worker_bg.wasm')), `the importer module was loaded into the panel: ${fetched}`);
});
