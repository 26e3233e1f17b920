// Journey: what the panel stores survives a browser restart, a broken file loses nothing already
// stored, and the Data screen deletes one import or wipes everything.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, screenshotDir, sharedDataDir } from '../support/environment.mjs';

const DEVORG = join(sharedDataDir, 'salesforce-devorg-data-export');
const RECORD_ID = '006Hp000015Yh7mIAC';

let profileDir;
let scratchDir;

before(async () => {
  profileDir = await mkdtemp(join(tmpdir(), 'lens-profile-'));
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-storage-'));
});

after(async () => {
  await rm(profileDir, { recursive: true, force: true });
  await rm(scratchDir, { recursive: true, force: true });
});

async function openPanel() {
  const browser = await launchWithExtension({ userDataDir: profileDir });
  const crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity(RECORD_ID);
  await crmPage.panel.recordHeader.waitFor();
  return { browser, crmPage };
}

test('imports are kept across a browser restart, and a broken file loses nothing', async () => {
  let { browser, crmPage } = await openPanel();
  try {
    const { panel } = crmPage;
    await panel.setImportAsOf('2023-10-28');
    await panel.importFiles([join(DEVORG, 'opportunity.csv'), join(DEVORG, 'OpportunityHistory.csv')]);
    assert.equal(await panel.waitForResult('opportunity.csv'), 'imported');
    assert.equal(await panel.waitForResult('OpportunityHistory.csv'), 'imported');
    assert.deepEqual(await panel.storedFiles(), ['opportunity.csv', 'OpportunityHistory.csv']);

    // A file that is not an export: one line, and the stored imports stay as they were.
    const broken = join(scratchDir, 'broken.csv');
    await writeFile(broken, Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x0a, 0x00, 0xff, 0x00]));
    await panel.openTab('import');
    await panel.importFiles([broken]);
    assert.equal(await panel.waitForResult('broken.csv'), 'failed');
    assert.match(await panel.errorLines('broken.csv').textContent(), /^broken\.csv was not imported: /);
    assert.deepEqual(await panel.storedFiles(), ['opportunity.csv', 'OpportunityHistory.csv']);
  } finally {
    await browser.close();
  }

  ({ browser, crmPage } = await openPanel());
  try {
    const { panel } = crmPage;
    assert.deepEqual(await panel.storedFiles(), ['opportunity.csv', 'OpportunityHistory.csv']);
    await panel.openTab('cockpit');
    await panel.frame.getByTestId('analysis-basis').waitFor();
    assert.match(await panel.frame.getByTestId('analysis-basis').textContent(), /As of 2023-10-28/);
    const values = await panel.insightValues();
    assert.equal(typeof values['cockpit.open_pipeline.pipeline'], 'number');
    await crmPage.screenshot(join(screenshotDir, 'storage-after-restart.png'));
  } finally {
    await browser.close();
  }
});

test('the Data screen deletes one import, then wipes everything', async () => {
  const { browser, crmPage } = await openPanel();
  try {
    const { panel } = crmPage;
    assert.deepEqual(await panel.storedFiles(), ['opportunity.csv', 'OpportunityHistory.csv']);
    await panel.frame.locator('[data-testid="data-import"][data-file="OpportunityHistory.csv"]').getByTestId('data-delete').click();
    await panel.frame.locator('[data-testid="data-import"][data-file="OpportunityHistory.csv"]').waitFor({ state: 'detached' });
    assert.deepEqual(await panel.storedFiles(), ['opportunity.csv']);

    await panel.frame.getByTestId('data-wipe').click();
    assert.match(await panel.frame.getByTestId('data-wipe').textContent(), /Click again/);
    await panel.frame.getByTestId('data-wipe').click();
    await panel.frame.getByTestId('data-import').first().waitFor({ state: 'detached' });
    assert.deepEqual(await panel.storedFiles(), []);
    assert.match(await panel.frame.getByTestId('data-summary').textContent(), /^0 imports, 0 opportunity snapshots\.$/);
    await crmPage.screenshot(join(screenshotDir, 'storage-wiped.png'));
  } finally {
    await browser.close();
  }
});
