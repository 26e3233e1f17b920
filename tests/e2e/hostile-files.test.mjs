// Journey: files that are not what they claim, dropped on the Import screen after a good import.
// Each gets one line naming the file and the problem; nothing of it is stored, and the earlier
// import stays. A 2 GB file is refused from its size before any of it is read.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, repoRoot, screenshotDir, sharedDataDir } from '../support/environment.mjs';

const DEVORG_OPPORTUNITIES = join(sharedDataDir, 'salesforce-devorg-data-export/opportunity.csv');
const NO_SHEETS_XLSX = join(repoRoot, 'crates/core/tests/fixtures/hostile/no_sheets.xlsx');
const TWO_GB = 2 * 1024 * 1024 * 1024;

let browser;
let crmPage;
let scratchDir;
/** The refused files and the line the panel shows for each. */
const refused = {};

before(async () => {
  await mkdir(screenshotDir, { recursive: true });
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-hostile-'));
  const write = async (name, bytes, line) => {
    await writeFile(join(scratchDir, name), bytes);
    refused[name] = line;
  };

  await write(
    'pipeline-export.csv',
    Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n', 'latin1'),
    'pipeline-export.csv was not imported: not a CSV or spreadsheet export: the file is a PDF document',
  );
  await copyFile(NO_SHEETS_XLSX, join(scratchDir, 'no-sheets.xlsx'));
  refused['no-sheets.xlsx'] = 'no-sheets.xlsx was not imported: the workbook could not be read: the workbook has no sheets';
  await write('empty.csv', '', 'empty.csv was not imported: the file is empty (0 bytes)');

  // A sparse file: 2 GB long, nothing written, so it costs no disk.
  const huge = await open(join(scratchDir, 'huge-export.csv'), 'w');
  await huge.truncate(TWO_GB);
  await huge.close();
  refused['huge-export.csv'] =
    'huge-export.csv was not imported: the file is 2.1 GB; Lens reads files of up to 512 MB (an export with fewer rows or columns fits)';

  const header = Array.from({ length: 10_000 }, (_, column) => `Column ${column}`).join(',');
  await write(
    'wide.csv',
    `${header}\n${Array.from({ length: 10_000 }, (_, column) => column).join(',')}\n`,
    'wide.csv was not imported: line 1 has 10,000 columns; Lens reads tables of up to 2,000 columns',
  );

  await write(
    'big-cell.csv',
    [
      'Opportunity Name,Stage,Amount,Close Date,Description',
      'Deal A,Proposal,100,2026-03-01,short',
      `Deal B,Proposal,200,2026-03-02,"${'x'.repeat(10 * 1024 * 1024)}"`,
      '',
    ].join('\n'),
    'big-cell.csv was not imported: line 3, column 5: one cell holds 10.5 MB of text; Lens reads cells of up to 4 MB (a quote that is opened and never closed makes the rest of a file one cell)',
  );

  await write(
    'header-only.csv',
    'Opportunity Name,Stage,Amount,Close Date\r\n',
    'header-only.csv was not imported: the file has a header but no data rows',
  );

  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity('006Hp000015Yh7mIAC');
  await crmPage.panel.recordHeader.waitFor();

  // The good import that every refused file must leave alone.
  await crmPage.panel.importFiles([DEVORG_OPPORTUNITIES]);
  assert.equal(await crmPage.panel.waitForResult('opportunity.csv'), 'imported');
  assert.deepEqual(await crmPage.panel.storedFiles(), ['opportunity.csv']);
});

after(async () => {
  await browser?.close();
  await rm(scratchDir, { recursive: true, force: true });
});

test('each file that is not an export gets one line naming it; nothing is stored and the earlier import stays', async () => {
  const { panel } = crmPage;
  await panel.openTab('import');

  // Every state each file's row goes through, to show the 2 GB file is never read.
  const frame = await crmPage.panelFrame();
  await frame.evaluate(() => {
    window.lensRowStates = {};
    const note = () => {
      for (const row of document.querySelectorAll('[data-testid="import-result"]')) {
        const seen = (window.lensRowStates[row.dataset.file] ??= new Set());
        seen.add(`${row.dataset.state}: ${row.textContent.trim().slice(0, 200)}`);
      }
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });

  const names = Object.keys(refused);
  await panel.importFiles(names.map((name) => join(scratchDir, name)));

  for (const name of names) {
    assert.equal(await panel.waitForResult(name, 60_000), 'failed', name);
    const lines = panel.errorLines(name);
    assert.equal(await lines.count(), 1, name);
    assert.equal((await lines.textContent()).trim(), refused[name]);
  }

  const hugeStates = await frame.evaluate(() => [...(window.lensRowStates['huge-export.csv'] ?? [])]);
  assert.ok(hugeStates.length > 0, 'the observer saw the 2 GB file');
  assert.ok(
    hugeStates.every((state) => !state.includes('reading the file') && !state.includes('splitting rows')),
    `the 2 GB file was refused without being read: ${hugeStates.join(' | ')}`,
  );

  // The control: a file refused only once read shows that step, and the observer saw it.
  const wideStates = await frame.evaluate(() => [...(window.lensRowStates['wide.csv'] ?? [])]);
  assert.ok(
    wideStates.some((state) => state.includes('reading the file')),
    `the 10,000-column file was read before it was refused: ${wideStates.join(' | ')}`,
  );

  await crmPage.screenshot(join(screenshotDir, 'import-hostile-files.png'));
  await panel.frame.getByTestId('import-results').screenshot({ path: join(screenshotDir, 'import-hostile-files-lines.png') });
  assert.deepEqual(await panel.storedFiles(), ['opportunity.csv']);
});

test('a German Salesforce report and a file with mixed line endings are read; a header in an unknown language gets the mapping form', async () => {
  const german = join(scratchDir, 'Bericht.csv');
  await writeFile(
    german,
    [
      'Opportunity-Name;Betrag;Phase',
      'Müller AG - Plattform;1.234,56;Verhandlung',
      'Schmidt - Kasse;8.400,50;Closed Won',
      '',
    ].join('\r\n'),
  );
  // CRLF, LF and a lone CR in one file; the mistyped amount is on the fifth line.
  const mixed = join(scratchDir, 'mixed-line-endings.csv');
  await writeFile(
    mixed,
    'Opportunity Name,Stage,Amount,Close Date\r\nDeal A,Proposal,100,2026-03-01\nDeal B,Proposal,200,2026-03-02\rDeal C,Proposal,300,2026-03-03\r\nDeal D,Proposal,12O,2026-03-04\n',
  );
  const japanese = join(scratchDir, 'report-ja.csv');
  await writeFile(japanese, '商談名,取引先名,フェーズ,金額,完了予定日\nAlpha,Acme,提案,"JPY 1,200,000",2026/12/15\n');

  const { panel } = crmPage;
  await panel.importFiles([german, mixed, japanese]);

  assert.equal(await panel.waitForResult('Bericht.csv'), 'imported');
  const germanSummary = await panel.summary('Bericht.csv');
  assert.equal(germanSummary.format, 'CSV with mapped columns: opportunities');
  assert.deepEqual([germanSummary.dataRows, germanSummary.stored, germanSummary.rejected], [2, 2, 0]);
  assert.ok((await panel.notes('Bericht.csv')).includes('fields separated by semicolons'));

  assert.equal(await panel.waitForResult('mixed-line-endings.csv'), 'imported');
  const mixedSummary = await panel.summary('mixed-line-endings.csv');
  assert.deepEqual([mixedSummary.dataRows, mixedSummary.stored, mixedSummary.rejected], [4, 3, 1]);
  assert.deepEqual(mixedSummary.reasons, ['line 5, column 3 (Amount): "12O" is not an amount']);

  assert.equal(await panel.waitForResult('report-ja.csv'), 'ask-mapping');
  assert.equal((await panel.errorLines('report-ja.csv').textContent()).trim(), 'report-ja.csv: Lens does not recognise these columns.');
  const choices = await panel
    .result('report-ja.csv')
    .locator('[data-testid="mapping-field"][data-field="name"] [data-testid="mapping-column"] option')
    .allTextContents();
  assert.deepEqual(choices, ['not read', '商談名', '取引先名', 'フェーズ', '金額', '完了予定日']);
  await panel.result('Bericht.csv').screenshot({ path: join(screenshotDir, 'import-german-report.png') });
  await panel.result('report-ja.csv').screenshot({ path: join(screenshotDir, 'import-unknown-language.png') });

  assert.deepEqual(await panel.storedFiles(), ['opportunity.csv', 'Bericht.csv', 'mixed-line-endings.csv']);
});
