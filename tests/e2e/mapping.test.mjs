// Journey: a CSV whose header Lens does not recognise. The Import screen asks which column holds
// which field, imports the file with that mapping, remembers it for the next file with the same
// header, and the Data screen can forget it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, screenshotDir } from '../support/environment.mjs';

const HEADER = 'Engagement,Client,Milestone,Worth,Expected,Rep';
const FIRST = [
  HEADER,
  'Harbor renewal,Harbor Ltd,Proposal,12000,2026-03-31,Ana',
  'Kestrel pilot,Kestrel AG,Discovery,4500,2026-04-15,Ben',
  'Orbit expansion,Orbit Inc,Closed Won,30000,2026-01-20,Ana',
].join('\n');
const SECOND = [HEADER, 'Lumen add-on,Lumen SA,Proposal,8000,2026-05-02,Ben'].join('\n');

let browser;
let crmPage;
let scratchDir;

before(async () => {
  await mkdir(screenshotDir, { recursive: true });
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-mapping-'));
  await writeFile(join(scratchDir, 'pipeline-export.csv'), FIRST);
  await writeFile(join(scratchDir, 'pipeline-export-may.csv'), SECOND);
  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity('006Hp000015Yh7mIAC');
  await crmPage.panel.recordHeader.waitFor();
});

after(async () => {
  await browser?.close();
  await rm(scratchDir, { recursive: true, force: true });
});

test('an unrecognised header gets a mapping form; the mapped file is imported', async () => {
  const { panel } = crmPage;
  await panel.importFiles([join(scratchDir, 'pipeline-export.csv')]);
  assert.equal(await panel.waitForResult('pipeline-export.csv'), 'ask-mapping');
  const result = panel.result('pipeline-export.csv');
  assert.equal(await result.getByTestId('mapping-kind').inputValue(), 'opportunities');
  assert.equal(await result.getByTestId('mapping-missing').textContent(), 'Still needed: id or name.');

  // Without a name or id the form says what is missing and nothing is imported.
  await panel.applyMapping('pipeline-export.csv');
  assert.equal(
    await result.getByTestId('mapping-problem').textContent(),
    'opportunities needs a column for id or name',
  );
  assert.deepEqual(await panel.storedFiles(), []);

  await panel.openTab('import');
  await panel.chooseColumns('pipeline-export.csv', {
    name: 'Engagement',
    account_name: 'Client',
    stage: 'Milestone',
    amount: 'Worth',
    close_date: 'Expected',
    owner: 'Rep',
  });
  assert.equal(await result.getByTestId('mapping-missing').textContent(), 'Every needed field has a column.');
  await crmPage.screenshot(join(screenshotDir, 'import-mapping-form.png'));
  await panel.applyMapping('pipeline-export.csv');
  assert.equal(await panel.waitForResult('pipeline-export.csv'), 'imported');
  const summary = await panel.summary('pipeline-export.csv');
  assert.match(summary.format, /CSV with mapped columns: opportunities/);
  assert.equal(summary.dataRows, 3);
  assert.equal(summary.stored, 3);
  assert.equal(summary.rejected, 0);
});

test('a second file with the same header is read with the remembered mapping', async () => {
  const { panel } = crmPage;
  await panel.importFiles([join(scratchDir, 'pipeline-export-may.csv')]);
  assert.equal(await panel.waitForResult('pipeline-export-may.csv'), 'imported');
  const summary = await panel.summary('pipeline-export-may.csv');
  assert.equal(summary.stored, 1);
  assert.ok(
    (await panel.notes('pipeline-export-may.csv')).includes(
      'columns read with the mapping remembered from pipeline-export.csv (same header)',
    ),
  );
});

test('the Data screen lists the mapping and forgets it; the next file asks again', async () => {
  const { panel } = crmPage;
  await panel.openTab('data');
  const mapping = panel.frame.locator('[data-testid="data-mapping"][data-file="pipeline-export.csv"]');
  assert.match(await mapping.textContent(), /^opportunities \(6 columns named\), made for pipeline-export\.csv/);
  await mapping.getByTestId('data-mapping-forget').click();
  await mapping.waitFor({ state: 'detached' });

  const again = join(scratchDir, 'pipeline-export-june.csv');
  await writeFile(again, SECOND);
  await panel.importFiles([again]);
  assert.equal(await panel.waitForResult('pipeline-export-june.csv'), 'ask-mapping');
});
