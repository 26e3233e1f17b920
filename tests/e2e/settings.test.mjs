// Journey: the Settings screen's lists. A target entered for a segment turns that segment's
// coverage on the Territory screen from undefined into open pipeline ÷ (target − closed won);
// experiment conditions are kept with their kind and value; a removed row is gone.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, screenshotDir } from '../support/environment.mjs';

// Enterprise in the fiscal quarter to 2026-03-01: open 40,000 + 20,000 closing in the quarter,
// 30,000 won in it. Mid-Market: 5,000 open.
const PIPELINE = [
  'Opportunity Name,Account Name,Stage,Amount,Close Date,Created Date,Segment,Opportunity Owner',
  'A1,Acme,Proposal,40000,2026-03-20,2026-01-05,Enterprise,Ana',
  'A2,Beta,Negotiation,20000,2026-03-25,2026-01-10,Enterprise,Ana',
  'A3,Cee,Closed Won,30000,2026-02-10,2025-12-01,Enterprise,Ben',
  'A4,Dee,Proposal,5000,2026-03-15,2026-01-20,Mid-Market,Ben',
].join('\n');
const COVERAGE = 'territory.pipeline_coverage.Enterprise';

let browser;
let crmPage;
let scratchDir;

before(async () => {
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-settings-'));
  await writeFile(join(scratchDir, 'segments.csv'), PIPELINE);
  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity('006Hp000015Yh7mIAC');
  await crmPage.panel.recordHeader.waitFor();
  await crmPage.panel.setImportAsOf('2026-03-01');
  await crmPage.panel.importFiles([join(scratchDir, 'segments.csv')]);
  assert.equal(await crmPage.panel.waitForResult('segments.csv'), 'imported');
});

after(async () => {
  await browser?.close();
  await rm(scratchDir, { recursive: true, force: true });
});

/** Types into a settings input the way a user does: the value, then leaving the field. */
async function type(locator, text) {
  await locator.fill(text);
  await locator.dispatchEvent('change');
}

test('a segment target makes that segment\'s coverage defined', async () => {
  const { panel } = crmPage;
  await panel.openTab('territory');
  await panel.frame.locator(`[data-testid="insight"][data-key="${COVERAGE}"]`).waitFor();
  assert.equal((await panel.insightValues())[COVERAGE], null);

  await panel.openTab('settings');
  const targets = panel.frame.getByTestId('setting-segment-targets');
  await panel.frame.getByTestId('setting-segment-targets-add').click();
  await type(targets.getByTestId('segment-name'), 'Enterprise');
  await type(targets.getByTestId('segment-target'), '100,000');
  await panel.frame.getByTestId('settings-save').click();
  await panel.frame.getByTestId('settings-note').filter({ hasText: 'Saved' }).waitFor();
  await crmPage.screenshot(join(screenshotDir, 'settings-lists.png'));

  await panel.openTab('territory');
  await panel.frame.locator(`[data-testid="insight"][data-key="${COVERAGE}"]:not([data-value=""])`).waitFor();
  const values = await panel.insightValues();
  assert.ok(Math.abs(values[COVERAGE] - 60000 / (100000 - 30000)) < 1e-12, `${values[COVERAGE]}`);
  assert.equal(values['territory.pipeline_coverage.Mid-Market'], null);
});

test('experiment conditions keep their kind and value; a removed row is gone', async () => {
  const { panel } = crmPage;
  await panel.openTab('settings');
  const conditions = panel.frame.getByTestId('setting-experiment-conditions');
  await panel.frame.getByTestId('setting-experiment-conditions-add').click();
  await panel.frame.getByTestId('setting-experiment-conditions-add').click();
  const rows = conditions.getByTestId('setting-row');
  assert.equal(await rows.count(), 2);
  await type(rows.nth(0).getByTestId('condition-experiment'), 'EXP-7');
  await rows.nth(0).getByTestId('condition-metric').selectOption('time_to_activation');
  await rows.nth(0).getByTestId('condition-kind').selectOption('sample_at_least_per_arm');
  await type(rows.nth(0).getByTestId('condition-value'), '120');
  await crmPage.screenshot(join(screenshotDir, 'settings-conditions.png'));
  await rows.nth(1).getByTestId('setting-remove').click();
  assert.equal(await rows.count(), 1);
  await panel.frame.getByTestId('settings-save').click();
  await panel.frame.getByTestId('settings-note').filter({ hasText: 'Saved' }).waitFor();

  // Away and back: the screen shows what was stored.
  await panel.openTab('data');
  await panel.openTab('settings');
  const row = conditions.getByTestId('setting-row');
  assert.equal(await row.count(), 1);
  assert.equal(await row.getByTestId('condition-experiment').inputValue(), 'EXP-7');
  assert.equal(await row.getByTestId('condition-metric').inputValue(), 'time_to_activation');
  assert.equal(await row.getByTestId('condition-kind').inputValue(), 'sample_at_least_per_arm');
  assert.equal(await row.getByTestId('condition-value').inputValue(), '120');
  // The segment target of the first test is still there too.
  assert.equal(await panel.frame.getByTestId('setting-segment-targets').getByTestId('segment-name').inputValue(), 'Enterprise');
});
