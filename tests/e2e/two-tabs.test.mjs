// Journey: Lens open beside records in two tabs. What one panel imports or deletes, the other
// shows without a reload; two imports at the same time both land, each once.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, sharedDataDir } from '../support/environment.mjs';

const DEVORG = join(sharedDataDir, 'salesforce-devorg-data-export');
const POWERBI = join(sharedDataDir, 'salesforce-sample-opps-powerbi');

let browser;
let first;
let second;

before(async () => {
  browser = await launchWithExtension();
  first = new CrmRecordPage(browser.page, baseUrl);
  second = new CrmRecordPage(await browser.context.newPage(), baseUrl);
  for (const crmPage of [first, second]) {
    await crmPage.openOpportunity('006Hp000015Yh7mIAC');
    await crmPage.panel.recordHeader.waitFor();
  }
});

after(async () => {
  await browser?.close();
});

/** Waits until the panel's Data screen lists exactly these files (in any order). */
async function waitForStored(panel, names) {
  await panel.openTab('data');
  const expected = [...names].sort();
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const shown = (await panel.storedFiles()).sort();
    if (JSON.stringify(shown) === JSON.stringify(expected)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.deepEqual((await panel.storedFiles()).sort(), expected);
}

test('an import in one tab shows in the other without a reload, and so does a delete', async () => {
  await first.panel.setImportAsOf('2023-10-28');
  await first.panel.importFiles([join(DEVORG, 'opportunity.csv')]);
  assert.equal(await first.panel.waitForResult('opportunity.csv'), 'imported');
  await waitForStored(second.panel, ['opportunity.csv']);

  await second.panel.frame
    .locator('[data-testid="data-import"][data-file="opportunity.csv"]')
    .getByTestId('data-delete')
    .click();
  await waitForStored(first.panel, []);
});

test('two panels importing at the same time both store their file, each once', async () => {
  await first.panel.setImportAsOf('2023-10-28');
  await second.panel.setImportAsOf('2026-03-07');
  await Promise.all([
    first.panel.importFiles([join(DEVORG, 'opportunity.csv'), join(DEVORG, 'OpportunityHistory.csv')]),
    second.panel.importFiles([join(POWERBI, 'Opportunity.csv')]),
  ]);
  assert.equal(await first.panel.waitForResult('OpportunityHistory.csv'), 'imported');
  assert.equal(await second.panel.waitForResult('Opportunity.csv'), 'imported');
  const all = ['opportunity.csv', 'OpportunityHistory.csv', 'Opportunity.csv'];
  await waitForStored(first.panel, all);
  await waitForStored(second.panel, all);
  // Each panel's data set holds each snapshot once: two snapshots, not three or four.
  for (const { panel } of [first, second]) {
    await panel.frame.getByTestId('data-summary').filter({ hasText: /^3 imports, 2 opportunity snapshots\.$/ }).waitFor();
  }
});
