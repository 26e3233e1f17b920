// Journey: CRM data full of markup and script — CSV cells, file names, header cells, the fields of
// the record page, a setting — goes through every screen of the panel and shows as text. Nothing
// runs (no call of __lensXss, no dialog, no request to the sink, no flag, no CSP violation), no
// element or attribute of the data's making appears in the panel, and the payloads' text appears
// literally. The CSV downloads neutralise cells a spreadsheet would run as formulas.
//
// The corpus is tests/fixtures/xss/payloads.txt; tests/support/xss.mjs writes the exports. XLSX
// input is not covered here (nothing in this test's toolbox writes XLSX); the import of XLSX
// cells is the same text path once decoded.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, screenshotDir } from '../support/environment.mjs';
import { DEMO_RECORD_ID, loadPayloads, writeXssExports } from '../support/xss.mjs';

const MODULE_TABS = ['cockpit', 'forecast', 'hygiene', 'evidence', 'patterns', 'poc', 'program', 'renewals',
  'coaching', 'territory', 'plays'];

let browser;
let crmPage;
let panelFrame;
let sink;
let sinkOrigin;
let scratchDir;
let payloads;
let exports;
const sinkHits = [];
const dialogs = [];
const bindingCalls = [];
/** Every text the panel showed, screen by screen, for the literal-text checks. */
const shownText = new Map();

/**
 * Installed in the CRM page and in the panel: records CSP violations (what a blocked inline
 * script, handler or load leaves) and defines __lensXss where the binding is missing.
 */
function installTraps() {
  if (window.__lensXssTraps) return;
  const traps = { violations: [], calls: [] };
  window.__lensXssTraps = traps;
  document.addEventListener('securitypolicyviolation', (event) => {
    traps.violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
  });
  if (typeof window.__lensXss !== 'function') window.__lensXss = (n) => traps.calls.push(n);
}

function readTraps() {
  const traps = window.__lensXssTraps;
  return {
    installed: Boolean(traps),
    violations: traps?.violations ?? [],
    calls: traps?.calls ?? [],
    flag: window.__lensXssFlag ?? null,
  };
}

/**
 * Elements and attributes in the panel that the panel's own markup never has: anything the data
 * could have added if it were parsed as HTML. Runs in the panel frame.
 */
function markupOfTheData(sinkOrigin) {
  const PANEL_ELEMENTS = new Set(['div', 'span', 'header', 'nav', 'main', 'section', 'button', 'p', 'ul', 'li',
    'details', 'summary', 'dl', 'dt', 'dd', 'h1', 'h2', 'h3', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'code',
    'label', 'input', 'progress', 'ol', 'figure', 'figcaption', 'svg', 'g', 'title', 'text', 'rect', 'line', 'circle',
    'strong', 'em', 'small', 'br', 'select', 'option']);
  const URL_ATTRIBUTES = new Set(['href', 'xlink:href', 'src', 'srcset', 'srcdoc', 'action', 'formaction', 'data',
    'style', 'background', 'poster']);
  const found = [];
  for (const element of document.body.querySelectorAll('*')) {
    const tag = element.localName;
    if (!PANEL_ELEMENTS.has(tag)) found.push(`<${tag}>`);
    for (const { name, value } of element.attributes) {
      // The test driver leaves an empty style on inputs it has typed into or picked files with.
      if (name === 'style' && value === '') continue;
      if (name.startsWith('on') || URL_ATTRIBUTES.has(name) || name === 'data-xss') {
        found.push(`<${tag} ${name}="${value.slice(0, 80)}" data-testid="${element.dataset.testid}">`);
      }
      if (value.includes(sinkOrigin) && name !== 'data-file' && name !== 'title' && name !== 'aria-label') {
        found.push(`<${tag} ${name}="${value.slice(0, 80)}">`);
      }
    }
  }
  const base = document.querySelector('base');
  if (base) found.push('<base>');
  return found;
}

/** Opens every folded part of the screen (insights, groups, evidence) and every "show more". */
async function unfoldAll() {
  for (let round = 0; round < 3; round++) {
    const clicked = await panelFrame.evaluate(() => {
      for (const details of document.querySelectorAll('details')) details.open = true;
      const more = [...document.querySelectorAll('button.lens-link')].filter((button) => /^Show \d+ more$/.test(button.textContent));
      for (const button of more) button.click();
      return more.length;
    });
    // An insight's evidence is drawn once it is opened: open what "Show more" added, and wait
    // until every insight shows its own.
    await panelFrame.waitForFunction(() => {
      for (const details of document.querySelectorAll('details')) details.open = true;
      const insights = document.querySelectorAll('[data-testid="insight"]');
      return [...insights].every((insight) => insight.querySelector('[data-testid="evidence"]'));
    });
    if (clicked === 0) return;
  }
}

/** Checks the screen for markup of the data's making and remembers its text. */
async function inspectScreen(name) {
  const markup = await panelFrame.evaluate(markupOfTheData, sinkOrigin);
  assert.deepEqual(markup, [], `${name}: elements or attributes from the data`);
  shownText.set(name, await panelFrame.evaluate(() => document.body.textContent));
}

function allShownText() {
  return [...shownText.values()].join('\n');
}

/** Clicks something in the panel that downloads a file; returns the file's name and text. */
async function download(click) {
  const [file] = await Promise.all([browser.page.waitForEvent('download'), click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

/** RFC 4180 cells of a CSV text. */
function csvRows(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell]);
  return rows;
}

/** Cells a spreadsheet would read as a formula (OWASP: = + - @ tab CR first). */
function formulaCells(rows) {
  return rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell));
}

before(async () => {
  await mkdir(screenshotDir, { recursive: true });
  // A server nothing should ever reach: the payloads load, link and post here.
  sink = createServer((request, response) => {
    sinkHits.push(request.url);
    response.end('sink');
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  sinkOrigin = `http://127.0.0.1:${sink.address().port}`;
  payloads = await loadPayloads(sinkOrigin);
  scratchDir = await mkdtemp(join(tmpdir(), 'lens-xss-'));
  exports = await writeXssExports(scratchDir, payloads);

  browser = await launchWithExtension();
  await browser.context.exposeBinding('__lensXss', ({ frame }, n) => {
    bindingCalls.push({ frame: frame?.url(), n });
  });
  browser.context.on('dialog', async (dialog) => {
    dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    await dialog.dismiss();
  });
  await browser.context.addInitScript(installTraps);
  crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity(DEMO_RECORD_ID);
  await crmPage.panel.recordHeader.waitFor();
  panelFrame = await crmPage.panelFrame();
  await panelFrame.evaluate(installTraps);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => sink?.close(resolve));
  if (scratchDir) await rm(scratchDir, { recursive: true, force: true });
});

test('the corpus holds at least 100 payloads of every kind', () => {
  assert.ok(payloads.length >= 100, `${payloads.length} payloads`);
  for (const needle of ['<script', 'onerror=', 'javascript:', '<svg', '<math', '\u202E', '=HYPERLINK(', '<!--']) {
    assert.ok(payloads.some((payload) => payload.includes(needle)), `a payload with ${needle}`);
  }
  assert.ok(payloads.some((payload) => payload.length >= 100_000), 'a payload of 100 kB');
  assert.ok(payloads.every((payload) => !payload.includes('\0')), 'no NUL');
});

test('the traps see script that runs or is blocked, in the page and in the panel', async () => {
  // The binding reaches the test from both documents.
  await browser.page.evaluate(() => window.__lensXss(-1));
  await panelFrame.evaluate(() => window.__lensXss(-2));
  const called = bindingCalls.map((call) => call.n).concat(await panelFrame.evaluate(() => window.__lensXssTraps.calls));
  assert.deepEqual(called.sort(), [-1, -2].sort());
  bindingCalls.length = 0;
  await panelFrame.evaluate(() => { window.__lensXssTraps.calls.length = 0; });

  // An inline handler parsed into either document is blocked by its CSP, and the block is seen.
  for (const target of [browser.page.mainFrame(), panelFrame]) {
    await target.evaluate(() => {
      document.body.insertAdjacentHTML('beforeend', '<img id="lens-xss-control" src="data:," onerror="__lensXss(-3)">');
    });
    await target.waitForFunction(() => window.__lensXssTraps.violations.length > 0);
    const markup = target === panelFrame ? await panelFrame.evaluate(markupOfTheData, sinkOrigin) : [];
    await target.evaluate(() => {
      document.getElementById('lens-xss-control').remove();
      window.__lensXssTraps.violations.length = 0;
    });
    if (target === panelFrame) assert.ok(markup.length > 0, 'the markup check sees an injected element');
  }
  assert.deepEqual(bindingCalls, []);
});

test('imports: file names, rejected cells and header cells that are payloads show as text', async () => {
  const { panel } = crmPage;
  const { files, expected } = exports;
  const [first, second, third, fourth] = files.snapshots;
  const batch = [first.path, second.path, files.history, files.milestones, files.assignments, files.subscriptions,
    files.usage, files.tickets, files.churn, files.unreadable];
  await panel.setImportAsOf(second.asOf);
  await panel.importFiles(batch);
  for (const path of batch) {
    const state = await panel.waitForResultNamed(basename(path), 60_000);
    // A header Lens does not recognise gets the column-mapping form rather than an import.
    assert.equal(state, path === files.unreadable ? 'ask-mapping' : 'imported', basename(path));
  }
  await panel.setImportAsOf(fourth.asOf);
  await panel.importFiles([third.path, fourth.path]);
  for (const { name } of [third, fourth]) {
    assert.equal(await panel.waitForResultNamed(name, 60_000), 'imported', name);
  }

  // The as-of dates: from the footers of the dated reports, from the input for the others.
  for (const snapshot of files.snapshots) {
    const asOf = (await panel.resultNamed(snapshot.name).getByTestId('import-as-of').textContent()).trim();
    assert.equal(asOf, snapshot.asOf, snapshot.name);
  }

  // The first snapshot's rejected rows quote the amount and the date that are payloads.
  const firstResult = panel.resultNamed(first.name);
  assert.equal(Number(await firstResult.getByTestId('import-rejected').textContent()), 2);
  const reasons = (await firstResult.getByTestId('import-reasons').locator('li').allTextContents()).join('\n');
  assert.ok(reasons.includes(expected.rejectedAmount), reasons);
  assert.ok(reasons.includes(expected.rejectedDate), reasons);

  // The unrecognised file: one line naming it, and a mapping form offering its header cells as
  // the columns to choose from.
  const unreadable = panel.resultNamed(basename(files.unreadable));
  const errorLine = (await unreadable.getByTestId('import-error').textContent()).trim();
  assert.equal(errorLine, `${basename(files.unreadable)}: Lens does not recognise these columns.`);
  const offered = await unreadable
    .getByTestId('mapping-field')
    .first()
    .locator('option')
    .allTextContents();
  for (const header of expected.badHeaders) assert.ok(offered.includes(header), `${header} offered in ${offered}`);

  await panel.openTab('import');
  await inspectScreen('import');
  const text = shownText.get('import');
  for (const name of expected.fileNames) assert.ok(text.includes(name), `file name ${name} shown`);
  await crmPage.screenshot(join(screenshotDir, 'xss-import.png'));

  // The rejected rows as CSV: the file name (which starts with "=") is neutralised.
  const rejected = await download(() => firstResult.getByTestId('import-download-rejected').click());
  const rows = csvRows(rejected.text);
  assert.deepEqual(rows[0], ['file', 'line', 'column', 'column_name', 'reason']);
  assert.equal(rows.length, 3);
  assert.equal(rows[1][0], `'${first.name}`);
  assert.ok(rows.some((row) => row[4].includes(expected.rejectedAmount)), 'the reason quotes the cell');
  assert.deepEqual(formulaCells(rows), []);
});

test('settings: a control arm named with a payload is kept and shown as text', async () => {
  const { panel } = crmPage;
  const arm = exports.expected.controlArm;
  await panel.openTab('settings');
  const input = panel.frame.getByTestId('setting-control-arm');
  await input.fill(arm);
  await input.dispatchEvent('change');
  // Four weekly snapshots give three earlier points: enough for the anomaly test once it asks
  // for two, so the Patterns screen names reps too.
  const minPoints = panel.frame.getByTestId('setting-anomaly-min');
  await minPoints.fill('2');
  await minPoints.dispatchEvent('change');
  await panel.frame.getByTestId('settings-save').click();
  await panel.frame.getByTestId('settings-note').filter({ hasText: 'Saved' }).waitFor();
  assert.equal(await input.inputValue(), arm);
  await inspectScreen('settings');
});

test('every module screen shows the payloads as text, with every insight and evidence opened', async () => {
  const { panel } = crmPage;
  for (const tab of MODULE_TABS) {
    await panel.openTab(tab);
    await panel.frame.locator(`[data-testid="module-screen"][data-module]`).waitFor();
    await panel.frame.getByTestId('analysis-basis').waitFor();
    assert.ok((await panel.frame.getByTestId('insight').count()) > 0, `${tab} has insights`);
    // Charts show their tables too.
    for (const toggle of await panel.frame.getByTestId('chart-toggle').all()) await toggle.click();
    await unfoldAll();
    await inspectScreen(tab);
    if (tab === 'hygiene') await crmPage.screenshot(join(screenshotDir, 'xss-hygiene.png'));
  }
  const text = allShownText();
  const { expected } = exports;
  for (const owner of expected.owners) assert.ok(text.includes(owner), `owner ${owner} shown`);
  assert.ok(text.includes(expected.stage), 'the stage named with a payload is shown');
  assert.ok(text.includes(expected.programName), 'the program named with a payload is shown');
  assert.ok(shownText.get('program').includes(expected.controlArm), 'the control arm appears in the program readouts');
  assert.ok(shownText.get('program').includes(expected.experimentId), 'the experiment id too');
});

test('the review screen shows the inputs as text; its Markdown escapes markup and its CSV formulas', async () => {
  const { panel } = crmPage;
  await panel.openTab('review');
  await panel.frame.getByTestId('review-sheets').waitFor();
  await inspectScreen('review');
  const markdown = await download(() => panel.frame.getByTestId('review-download-markdown').click());
  // No raw tag or link from the data: every < and [ that came from a payload is escaped.
  for (const line of markdown.text.split('\n')) {
    assert.ok(!/(^|[^\\])<[a-zA-Z!/]/.test(line), `raw markup in: ${line.slice(0, 200)}`);
  }
  const about = await download(() =>
    panel.frame.locator('[data-testid="review-sheet"][data-sheet="about"]').getByTestId('review-download-csv').click(),
  );
  assert.deepEqual(formulaCells(csvRows(about.text)), []);
});

test('an evidence download neutralises formula cells', async () => {
  const { panel } = crmPage;
  await panel.openTab('evidence');
  await unfoldAll();
  const buttons = panel.frame.getByTestId('evidence-download');
  assert.ok((await buttons.count()) > 0, 'an evidence download');
  const file = await download(() => buttons.first().click());
  const rows = csvRows(file.text);
  assert.deepEqual(rows[0].slice(0, 3), ['record_id', 'field', 'old_value']);
  assert.ok(rows.length > 1, 'rows behind the number');
  assert.deepEqual(formulaCells(rows), []);
  // The rows come from the newest snapshot, whose file name starts with "@".
  assert.ok(rows.some((row) => row[6] === `'${exports.files.snapshots[3].name}`), 'the source file name, neutralised');
});

test('data: the stored file names are text and the JSON export holds the payloads verbatim', async () => {
  const { panel } = crmPage;
  const stored = await panel.storedFiles();
  for (const name of exports.expected.fileNames) assert.ok(stored.includes(name), `${name} stored`);
  await inspectScreen('data');
  for (const name of exports.expected.fileNames) assert.ok(shownText.get('data').includes(name), `${name} listed`);

  const file = await download(() => panel.frame.getByTestId('data-export').click());
  assert.equal(file.name, 'lens-export.json');
  const exported = JSON.parse(file.text);
  const storedNames = exported.imports.map((entry) => entry.file_name);
  for (const name of exports.expected.fileNames) assert.ok(storedNames.includes(name), `${name} exported`);
  assert.ok(file.text.includes(JSON.stringify(exports.expected.recordName)), 'a deal name, verbatim');
});

test('record: fields of the CRM page that are payloads show as text beside the import', async () => {
  const { panel } = crmPage;
  const pageName = payloads.find((payload) => payload.startsWith('<svg/onload='));
  const pageNextStep = payloads.find((payload) => payload.startsWith('<noscript>'));
  const pageAccount = payloads.find((payload) => payload.startsWith('"><img src=x'));
  const pageLabel = payloads.find((payload) => payload.startsWith('<details open'));
  // The page's own text changes, as a CRM's would after an edit; the content script reads it again.
  await browser.page.evaluate(({ pageName, pageNextStep, pageAccount, pageLabel, id }) => {
    const record = document.querySelector(`one-record-home-flexipage2[data-record-id="${id}"]`);
    record.querySelector('lightning-formatted-text[slot="primaryField"]').textContent = pageName;
    const item = (label) => record.querySelector(`records-record-layout-item[field-label="${label}"]`);
    item('Next Step').querySelector('[data-output-element-id="output-field"], .test-id__field-value, .slds-form-element__static').textContent = pageNextStep;
    item('Account Name').querySelector('a').textContent = pageAccount;
    item('Type').setAttribute('field-label', pageLabel);
  }, { pageName, pageNextStep, pageAccount, pageLabel, id: DEMO_RECORD_ID });
  await panel.openTab('record');
  await panel.recordName.filter({ hasText: pageName }).waitFor();
  await panel.frame.getByTestId('record-match').waitFor();
  await unfoldAll();
  await inspectScreen('record');
  const text = shownText.get('record');
  const { name, nextStep, economicBuyer, champion } = exports.expected.recordFields;
  for (const [what, value] of Object.entries({ pageName, pageNextStep, pageAccount, pageLabel, name, nextStep, economicBuyer, champion })) {
    assert.ok(text.includes(value), `${what} shown literally`);
  }
  assert.equal((await panel.recordName.textContent()).trim(), pageName);
  await crmPage.screenshot(join(screenshotDir, 'xss-record.png'));
});

test('nothing ran: no call, dialog, flag, CSP violation or request to the sink', async () => {
  const pageTraps = await browser.page.evaluate(readTraps);
  const panelTraps = await panelFrame.evaluate(readTraps);
  assert.ok(pageTraps.installed && panelTraps.installed, 'the traps were in place');
  assert.deepEqual(bindingCalls, []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(sinkHits, []);
  assert.deepEqual(browser.requests.filter((url) => url.startsWith(sinkOrigin)), []);
  assert.deepEqual({ ...pageTraps, installed: true }, { installed: true, violations: [], calls: [], flag: null });
  assert.deepEqual({ ...panelTraps, installed: true }, { installed: true, violations: [], calls: [], flag: null });
  // Every screen was looked at.
  for (const screen of ['import', ...MODULE_TABS, 'settings', 'data', 'record']) assert.ok(shownText.has(screen), screen);

  // How much of the corpus the screens showed, literally. The rest sit only in cells no screen
  // lists (the partner or an account name of a deal no insight names), or start with a tab or a
  // carriage return, which the importer trims.
  const text = allShownText();
  const notShown = payloads.filter((payload) => !text.includes(payload));
  console.log(`payloads shown literally: ${payloads.length - notShown.length} of ${payloads.length}; not shown: ${JSON.stringify(notShown.map((payload) => payload.slice(0, 60)))}`);
  assert.ok(notShown.length <= payloads.length / 10, `${notShown.length} of ${payloads.length} payloads not shown literally`);
});
