// One core, two shells: the cockpit numbers the panel shows for a real export equal what
// `lens analyze --json` computes on the same files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, cliPath, screenshotDir, sharedDataDir } from '../support/environment.mjs';

const POWERBI = join(sharedDataDir, 'salesforce-sample-opps-powerbi');
const FILES = [join(POWERBI, 'Opportunity.csv'), join(POWERBI, 'OpportunityHistory.csv')];
const AS_OF = '2026-03-07';

let browser;
let crmPage;

before(async () => {
  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity('006Hp000015Yh7mIAC');
  await crmPage.panel.recordHeader.waitFor();
});

after(async () => {
  await browser?.close();
});

test('every cockpit number in the panel equals lens analyze --json on the same files', async () => {
  const { panel } = crmPage;
  await panel.setImportAsOf(AS_OF);
  await panel.importFiles(FILES);
  assert.equal(await panel.waitForResult('Opportunity.csv'), 'imported');
  assert.equal(await panel.waitForResult('OpportunityHistory.csv'), 'imported');

  const cli = JSON.parse(execFileSync(cliPath, ['analyze', '--json', '--as-of', AS_OF, ...FILES], { maxBuffer: 1 << 28 }));
  const expected = Object.fromEntries(
    cli.sections.find((section) => section.module === 'cockpit').insights.map((insight) => [insight.key, insight.value]),
  );
  assert.ok(Object.keys(expected).length >= 5, 'the CLI cockpit has numbers to compare');

  await panel.openTab('cockpit');
  await panel.frame.getByTestId('analysis-basis').waitFor();
  const shown = await panel.insightValues();
  assert.deepEqual(shown, expected);
  await crmPage.screenshot(join(screenshotDir, 'cockpit-powerbi.png'));
});

test('the review pack the panel downloads is the one lens review writes on the same files', async () => {
  const { panel } = crmPage;
  const out = await mkdtemp(join(tmpdir(), 'lens-review-'));
  try {
    execFileSync(cliPath, ['review', '--as-of', AS_OF, '--out', out, ...FILES]);
    // The command line names files by the path given; the panel by the file's name.
    const fromCli = async (name) => (await readFile(join(out, name), 'utf8')).replaceAll(`${POWERBI}/`, '');

    await panel.openTab('review');
    await panel.frame.getByTestId('review-sheets').waitFor();
    const download = async (locator) => {
      const [file] = await Promise.all([crmPage.page.waitForEvent('download'), locator.click()]);
      return readFile(await file.path(), 'utf8');
    };
    assert.equal(await download(panel.frame.getByTestId('review-download-markdown')), await fromCli('review.md'));
    const sheets = await panel.frame.getByTestId('review-sheet').evaluateAll((rows) => rows.map((row) => row.dataset.sheet));
    assert.deepEqual(sheets.slice(0, 3), ['about', 'cockpit', 'forecast']);
    for (const sheet of ['about', 'cockpit', 'hygiene']) {
      const row = panel.frame.locator(`[data-testid="review-sheet"][data-sheet="${sheet}"]`);
      assert.equal(await download(row.getByTestId('review-download-csv')), await fromCli(`review-${sheet}.csv`), sheet);
    }
    await crmPage.screenshot(join(screenshotDir, 'review-powerbi.png'));
  } finally {
    await rm(out, { recursive: true, force: true });
  }
});
