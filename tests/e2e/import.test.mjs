// Journey: import CRM exports into the panel; each file gets a summary (format, rows stored and
// rejected) or one line saying why it was not imported.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, screenshotDir, sharedDataDir } from '../support/environment.mjs';

const DEVORG_OPPORTUNITIES = join(sharedDataDir, 'salesforce-devorg-data-export/opportunity.csv');

let browser;
let crmPage;
let scratchDir;

before(async () => {
  await mkdir(screenshotDir, { recursive: true });
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-import-'));
  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity('006Hp000015Yh7mIAC');
  await crmPage.panel.recordHeader.waitFor();
});

after(async () => {
  await browser?.close();
});

test('a Salesforce Data Export of opportunities: 31 data rows, 31 stored, 0 rejected', async () => {
  const { panel } = crmPage;
  await panel.importFiles([DEVORG_OPPORTUNITIES]);
  assert.equal(await panel.waitForResult('opportunity.csv'), 'imported');
  const summary = await panel.summary('opportunity.csv');
  assert.match(summary.format, /Salesforce Data Export/);
  assert.equal(summary.dataRows, 31);
  assert.equal(summary.stored, 31);
  assert.equal(summary.rejected, 0);
  assert.deepEqual(summary.reasons, []);
  await crmPage.screenshot(join(screenshotDir, 'import-devorg.png'));
});

test('a row the importer rejects is counted and its reason names line and column', async () => {
  // The real export with one amount mistyped (a letter O for a zero) on line 4.
  const lines = (await readFile(DEVORG_OPPORTUNITIES, 'utf8')).split('\n');
  const cells = lines[3].split('","');
  cells[8] = '12O,000';
  lines[3] = cells.join('","');
  const path = join(scratchDir, 'opportunities-one-typo.csv');
  await writeFile(path, lines.join('\n'));

  const { panel } = crmPage;
  await panel.importFiles([path]);
  assert.equal(await panel.waitForResult('opportunities-one-typo.csv'), 'imported');
  const summary = await panel.summary('opportunities-one-typo.csv');
  assert.equal(summary.dataRows, 31);
  assert.equal(summary.stored, 30);
  assert.equal(summary.rejected, 1);
  assert.equal(summary.reasons.length, 1);
  assert.match(summary.reasons[0], /^line 4, column 9 \(Amount\): .*12O,000/);
});

test('a PDF renamed .csv, imported with a good file, gets one line naming the file', async () => {
  const brokenPath = join(scratchDir, 'pipeline-export.csv');
  await writeFile(brokenPath, Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'));
  const { panel } = crmPage;
  await panel.importFiles([brokenPath, DEVORG_OPPORTUNITIES]);

  assert.equal(await panel.waitForResult('pipeline-export.csv'), 'failed');
  const errorLines = panel.errorLines('pipeline-export.csv');
  assert.equal(await errorLines.count(), 1);
  const line = (await errorLines.textContent()).trim();
  assert.match(line, /^pipeline-export\.csv was not imported: \S/);
  assert.ok(!line.includes('\n'), 'one line');

  // Several files at once: the good file in the same batch is imported on its own.
  await crmPage.panel.frame.locator('[data-testid="import-result"][data-file="opportunity.csv"][data-state="imported"]').nth(1).waitFor();
  await crmPage.screenshot(join(screenshotDir, 'import-broken-file.png'));
});

test('slash dates no value settles are asked about; the chosen order reads the file', async () => {
  // 03/04/2026 and 05/06/2026 read either way; nothing in the file has a part above 12.
  const path = join(scratchDir, 'slash-dates.csv');
  await writeFile(
    path,
    [
      'Opportunity Name,Account Name,Stage,Amount,Close Date',
      'Alpha,Acme,Proposal,1000,03/04/2026',
      'Beta,Beta Ltd,Qualification,2000,05/06/2026',
    ].join('\n'),
  );
  const { panel } = crmPage;
  await panel.importFiles([path]);
  assert.equal(await panel.waitForResult('slash-dates.csv'), 'ask-date-order');
  assert.match(await panel.errorLines('slash-dates.csv').textContent(), /03\/04\/2026/);

  await panel.result('slash-dates.csv').getByTestId('date-order-dmy').click();
  await panel.frame
    .locator('[data-testid="import-result"][data-file="slash-dates.csv"][data-state="imported"]')
    .waitFor();
  const summary = await panel.summary('slash-dates.csv');
  assert.equal(summary.stored, 2);
  assert.equal(
    (await panel.result('slash-dates.csv').getByTestId('import-date-order').textContent()).trim(),
    'day first (31/12/2026)',
  );
});

test("a file's decimal mark comes from its numbers, else from the Import screen's choice", async () => {
  const { panel } = crmPage;
  // A German report: "8.400,50" shows a decimal comma, so "1.234" is 1234.
  const german = join(scratchDir, 'Bericht.csv');
  await writeFile(
    german,
    ['Opportunity-Name;Betrag;Phase', 'Müller AG - Plattform;1.234;Verhandlung', 'Schmidt - Kasse;8.400,50;Closed Won'].join('\n'),
  );
  // Whole amounts with a dot: nothing in the file shows its mark.
  const write = async (name) => {
    const path = join(scratchDir, name);
    await writeFile(path, ['Opportunity Name,Amount,Stage', 'Alpha,25.000,Prospecting', 'Beta,7.500,Proposal'].join('\n'));
    return path;
  };
  const unmarked = await write('unmarked.csv');
  await panel.importFiles([german, unmarked]);
  assert.equal(await panel.waitForResult('Bericht.csv'), 'imported');
  assert.equal(await panel.waitForResult('unmarked.csv'), 'imported');
  const mark = async (fileName) => {
    const shown = panel.result(fileName).getByTestId('import-decimal-mark');
    return (await shown.count()) === 0 ? null : (await shown.textContent()).trim();
  };
  assert.equal(await mark('Bericht.csv'), 'decimal comma (1.234,56)');
  assert.ok(
    (await panel.notes('Bericht.csv')).includes(
      'numbers read with a decimal comma, as "8.400,50" (line 3, Betrag) shows: "1.234" (line 2, Betrag) is 1234',
    ),
    (await panel.notes('Bericht.csv')).join(' | '),
  );
  assert.equal(await mark('unmarked.csv'), null);
  assert.ok(
    (await panel.notes('unmarked.csv')).includes(
      'no number shows the file\'s decimal mark, so "25.000" (line 2, Amount) is read with a decimal point, as 25; with a decimal comma it would be 25000',
    ),
    (await panel.notes('unmarked.csv')).join(' | '),
  );

  // The user says the files use a decimal comma: the same numbers are read with it, silently.
  await panel.setImportDecimalMark(',');
  const said = await write('unmarked-comma.csv');
  await panel.importFiles([said]);
  assert.equal(await panel.waitForResult('unmarked-comma.csv'), 'imported');
  assert.equal(await mark('unmarked-comma.csv'), 'decimal comma (1.234,56)');
  assert.deepEqual(
    (await panel.notes('unmarked-comma.csv')).filter((note) => note.includes('decimal')),
    [],
  );
  await panel.result('unmarked.csv').scrollIntoViewIfNeeded();
  await crmPage.screenshot(join(screenshotDir, 'import-decimal-mark.png'));
  await panel.setImportDecimalMark('');
});
