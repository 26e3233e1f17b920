// Journey: a large export is read in a background worker. The panel shows the file's own progress
// (reading, splitting rows, reading rows, storing) while it works, and every row is accounted for.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl } from '../support/environment.mjs';

const ROWS = 60_000;

let browser;
let crmPage;
let scratchDir;

before(async () => {
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-large-'));
  const lines = ['Opportunity Name,Account Name,Stage,Amount,Close Date,Opportunity Owner'];
  for (let row = 0; row < ROWS; row += 1) {
    // Every 1,000th amount is not a number: those rows are rejected, the others stored.
    const amount = row % 1000 === 999 ? 'n/a' : String(1000 + row);
    lines.push(`Deal ${row},Account ${row % 500},Proposal,${amount},2026-03-${String((row % 28) + 1).padStart(2, '0')},Rep ${row % 12}`);
  }
  await writeFile(join(scratchDir, 'large.csv'), lines.join('\n'));
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
  const steps = await frame.evaluate(() => [...window.lensStepsSeen]);
  for (const step of ['splitting rows (share)', 'reading rows (share)', 'storing']) {
    assert.ok(steps.includes(step), `progress showed "${step}" (saw ${steps.join(', ')})`);
  }
});
