// Journey: the panel appears beside a record on each CRM the content script knows (Salesforce
// Lightning, HubSpot, Dynamics 365 demo pages), reads the record the page shows, follows the page
// to another record when it navigates without reloading (never reading the earlier record's page,
// which stays in the DOM, hidden), and still appears on a page whose Content
// Security Policy forbids frames, connections and inline code. When the page changes (a field
// missing, a label renamed, German labels, fields inside open or closed shadow roots) the panel
// says what it read and what it did not; when the page shows another record than its address
// names, or a record no import holds under its id, the panel shows no imported record's data.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, screenshotDir, sharedDataDir } from '../support/environment.mjs';

/**
 * How long a test waits for the panel to follow a navigation without reload before it fails: the
 * content script's last re-read after a navigation, at 8 s. How soon the panel follows (the
 * product's target is within a second) is a speed figure, measured by the browser bench ("switch
 * to another record → its header", `cargo xtask bench`), not asserted here; each test prints it.
 */
const FOLLOW_DEADLINE_MS = 8000;

// The records on the demo pages (public/demo/): what the panel must show for each, label/value
// pairs in the page's own words, and values only that record's page shows.
const LIGHTNING = [
  {
    crm: 'Salesforce',
    object: 'Opportunity',
    id: '006Hp000015Yh7mIAC',
    name: 'United Oil Office Portable Generators',
    pairs: [['Amount', '$125,000.00'], ['Stage', 'Negotiation/Review'], ['Main Competitor(s)', 'Yamaha']],
    own: ['Negotiation/Review', '$125,000.00', 'Yamaha'],
  },
  {
    crm: 'Salesforce',
    object: 'Opportunity',
    id: '006Hp000015Yh7kIAC',
    name: 'Dickenson Mobile Generators',
    pairs: [['Amount', '$15,000.00'], ['Stage', 'Qualification'], ['Main Competitor(s)', 'Honda']],
    own: ['Qualification', '$15,000.00', 'Honda'],
  },
];
const HUBSPOT = [
  {
    crm: 'HubSpot',
    object: 'Deal',
    id: '31847265019',
    name: 'Arbor Software Co. - Knowledge Hub - 233 seats',
    pairs: [
      ['Amount', '$210,000.00'], // highlights ("Amount:") and a read-only input
      ['Deal stage', 'Proposal/Price Quote'], // a dropdown button
      ['Deal owner', 'Karen Nguyen'],
      ['Close date', '12/07/2026'],
      ['Next step', 'Procurement call 11/17'], // a read-only textarea
    ],
    own: ['Proposal/Price Quote', 'Karen Nguyen', '$210,000.00', 'Procurement call'],
  },
  {
    crm: 'HubSpot',
    object: 'Deal',
    id: '31847265388',
    name: 'Keystone County Services - Expansion - Agent Assist',
    pairs: [['Amount', '$200,000.00'], ['Deal stage', 'Qualification'], ['Deal owner', 'Leah Russo']],
    own: ['Qualification', 'Leah Russo', '$200,000.00', 'Discovery call'],
  },
];
const DYNAMICS = [
  {
    crm: 'Dynamics 365',
    object: 'opportunity',
    id: '3f6a2c1e-8b47-ef11-a316-000d3a8e4b21',
    name: 'Golden Gate County Services Corp - Resolution Suite - 29 seats',
    pairs: [
      ['Est. revenue', '$21,000.00'], // header tile (value above label) and a currency input
      ['Status Reason', 'In Progress'],
      ['Owner', 'Karen Nguyen'], // a lookup in the header
      ['Account', 'Golden Gate County Services Corp'], // a lookup: the chosen record, not the empty search box
      ['Forecast category', 'Committed'], // an option set as a Fluent combobox button
      ['Probability', '75'],
    ],
    own: ['Golden Gate', 'Proposal/Price Quote', 'Karen Nguyen', '$21,000.00'],
  },
  {
    crm: 'Dynamics 365',
    object: 'opportunity',
    id: 'a9d04b7c-2e15-ef11-a316-000d3a8e4b21',
    name: 'Alder Hospitality Co. - Migration to Analytics Add-on',
    pairs: [
      ['Est. revenue', '$44,000.00'],
      ['Account', 'Alder Hospitality Co.'],
      ['Forecast category', 'Committed'], // an option set as a <select> (older UCI)
      ['Pipeline phase', 'Negotiation/Review'],
    ],
    own: ['Alder Hospitality', 'Negotiation/Review', 'Leah Russo', '$44,000.00'],
  },
];

let browser;
let crmPage;

before(async () => {
  await mkdir(screenshotDir, { recursive: true });
  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
});

after(async () => {
  await browser?.close();
});

/** Asserts that the panel shows `record` as read from the page, all of it and nothing else. */
async function assertPanelShows(record, others = []) {
  const { panel } = crmPage;
  await panel.waitForRecord(record.id);
  assert.equal(await panel.recordObject.textContent(), record.object);
  assert.equal(await panel.recordId.textContent(), record.id);
  assert.equal((await panel.recordName.textContent()).trim(), record.name);
  const text = await panel.recordText();
  assert.ok(text.toLowerCase().includes(record.crm.toLowerCase()), `the panel names ${record.crm}: ${text}`);
  for (const [label, value] of record.pairs) {
    assert.ok(text.includes(`${label} ${value}`), `the panel lists ${label}: ${value}; it shows: ${text}`);
  }
  for (const other of others) {
    for (const value of other.own) {
      assert.ok(!text.includes(value), `the hidden record's "${value}" is not read; the panel shows: ${text}`);
    }
  }
}

/**
 * Follows the page's link to `to` and watches the panel until it shows it (within
 * FOLLOW_DEADLINE_MS): until then every sample shows the earlier record, and no sample shows the
 * new record with anything of the earlier one. Returns how long the panel took to follow.
 */
async function followAndWatch(from, to) {
  const { panel } = crmPage;
  const started = Date.now();
  await crmPage.followRecordLink(to.id);
  let followedAfterMs = null;
  while (Date.now() - started < FOLLOW_DEADLINE_MS) {
    const shownId = ((await panel.recordId.textContent()) ?? '').trim();
    if (shownId === to.id) {
      followedAfterMs ??= Date.now() - started;
      const text = await panel.recordText();
      for (const value of from.own) {
        assert.ok(!text.includes(value), `while following: the earlier record's "${value}" is shown with ${to.id}: ${text}`);
      }
      if (Date.now() - started > followedAfterMs + 300) break;
    } else {
      assert.equal(shownId, from.id, 'the panel shows the earlier record until it follows');
    }
    await crmPage.page.waitForTimeout(40);
  }
  assert.ok(followedAfterMs !== null, `the panel followed to ${to.id} within ${FOLLOW_DEADLINE_MS} ms`);
  assert.equal(await crmPage.isRecordShown(to.id), true, 'the page shows the new record');
  assert.equal(await crmPage.isRecordShown(from.id), false, 'the earlier record is hidden');
  assert.equal(
    await crmPage.page.locator(`[data-record-id="${from.id}"]`).count(),
    1,
    "the earlier record's page is still in the DOM",
  );
  return followedAfterMs;
}

test('Salesforce Lightning: the panel reads the opportunity the page shows', async () => {
  const [first, second] = LIGHTNING;
  await crmPage.openOpportunity(first.id);
  await assertPanelShows(first, [second]);
  await crmPage.screenshot(join(screenshotDir, 'pages-lightning.png'));
});

test('Salesforce Lightning: the panel follows pushState navigation', async (t) => {
  const [first, second] = LIGHTNING;
  t.diagnostic(`followed in ${await followAndWatch(first, second)} ms`);
  await assertPanelShows(second, [first]);
});

test('HubSpot: the panel reads the deal the page shows', async () => {
  const [first, second] = HUBSPOT;
  await crmPage.openHubSpotDeal(first.id);
  await assertPanelShows(first, [second]);
  await crmPage.screenshot(join(screenshotDir, 'pages-hubspot.png'));
});

test('HubSpot: the panel follows pushState navigation and ignores the hidden deal', async (t) => {
  const [first, second] = HUBSPOT;
  t.diagnostic(`followed in ${await followAndWatch(first, second)} ms`);
  await assertPanelShows(second, [first]);
  await crmPage.screenshot(join(screenshotDir, 'pages-hubspot-after-navigation.png'));
});

test('Dynamics 365: the panel reads the opportunity form the page shows', async () => {
  const [first, second] = DYNAMICS;
  await crmPage.openDynamicsOpportunity(first.id);
  await assertPanelShows(first, [second]);
  assert.ok(!(await crmPage.panel.recordName.textContent()).includes('Saved'), 'the save status is not part of the name');
  await crmPage.screenshot(join(screenshotDir, 'pages-dynamics.png'));
});

test('Dynamics 365: the panel follows pushState navigation and ignores the hidden form', async (t) => {
  const [first, second] = DYNAMICS;
  t.diagnostic(`followed in ${await followAndWatch(first, second)} ms`);
  await assertPanelShows(second, [first]);
  await crmPage.screenshot(join(screenshotDir, 'pages-dynamics-after-navigation.png'));
});

test('a page with a strict Content Security Policy still gets the panel and its record', async () => {
  const [first, second] = LIGHTNING;
  const violations = [];
  const response = await crmPage.openOpportunity(first.id, { strictCsp: true });
  const policy = response.headers()['content-security-policy'];
  assert.match(policy, /default-src 'none'/);
  assert.match(policy, /script-src 'self'/);
  assert.match(policy, /frame-src 'none'/);
  assert.match(policy, /connect-src 'none'/);

  // The policy is in force: the page's own inline script is refused.
  const inlineScriptRan = await crmPage.page.evaluate(async () => {
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__lensTestViolations = [...(window.__lensTestViolations ?? []), event.violatedDirective];
    });
    const script = document.createElement('script');
    // Trusted Types would refuse a plain string: build the text node instead.
    script.append(document.createTextNode('window.__lensTestInlineRan = true;'));
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return window.__lensTestInlineRan === true;
  });
  violations.push(...(await crmPage.page.evaluate(() => window.__lensTestViolations ?? [])));
  assert.equal(inlineScriptRan, false, 'the inline script did not run');
  assert.ok(violations.length > 0, 'the page reported the refusal as a policy violation');

  await crmPage.panelFrameElement.waitFor();
  assert.match(await crmPage.panelFrameSrc(), /^chrome-extension:\/\/[a-z0-9-]+\/panel\.html$/);
  await assertPanelShows(first, [second]);
  await crmPage.screenshot(join(screenshotDir, 'pages-lightning-strict-csp.png'));
});

// The United Oil page as the demo shows it, and as a CRM might change it (public/demo/variants.js).
const UNITED_OIL_READ = 'Read from the page: name, Stage, Amount, Close Date, Owner (as "Opportunity Owner").';
const UNITED_OIL_UNRECOGNISED = 'Labels Lens does not recognise: Expected Revenue, Current Generator(s).';
const CHANGED_PAGES = [
  {
    variant: 'missing-close-date',
    reading: 'Read from the page: name, Stage, Amount, Owner (as "Opportunity Owner"); not found: Close Date. ' + UNITED_OIL_UNRECOGNISED,
    notFound: 'Close Date',
  },
  {
    variant: 'renamed',
    reading:
      'Read from the page: name, Stage, Close Date, Owner (as "Opportunity Owner"); not found: Amount. ' +
      'Labels Lens does not recognise: Deal Size, Expected Revenue, Current Generator(s).',
    notFound: 'Amount',
  },
  {
    variant: 'german',
    reading:
      'Read from the page: name, Stage (as "Phase"), Amount (as "Betrag"), Close Date (as "Abschlussdatum"); not found: Owner. ' +
      'Labels Lens does not recognise: Opportunity-Inhaber, Erwarteter Umsatz, Typ, Nächster Schritt, Lead-Quelle, Current Generator(s).',
    notFound: 'Owner',
  },
  { variant: 'shadow-open', reading: `${UNITED_OIL_READ} ${UNITED_OIL_UNRECOGNISED}`, notFound: '' },
  { variant: 'shadow-closed', reading: `${UNITED_OIL_READ} ${UNITED_OIL_UNRECOGNISED}`, notFound: '' },
];

async function openVariant(id, query) {
  await crmPage.page.goto(`${baseUrl}/lightning/r/Opportunity/${id}/view?${query}`);
  await crmPage.panel.waitForRecord(id);
}

test('the record header says what was read from the page and what was not', async () => {
  const [first] = LIGHTNING;
  await crmPage.openOpportunity(first.id);
  await crmPage.panel.waitForRecord(first.id);
  const reading = crmPage.panel.frame.getByTestId('record-reading');
  await reading.filter({ hasText: UNITED_OIL_READ }).waitFor();
  assert.equal((await reading.textContent()).trim(), `${UNITED_OIL_READ} ${UNITED_OIL_UNRECOGNISED}`);
  const fieldCount = await crmPage.panel.recordFieldCount.textContent();

  for (const { variant, reading: expected, notFound } of CHANGED_PAGES) {
    await openVariant(first.id, `variant=${variant}`);
    // The content script re-reads a page that renders in stages; wait for what it settles on.
    await reading.filter({ hasText: expected }).waitFor({ timeout: 10_000 }).catch(() => {});
    assert.equal((await reading.textContent()).trim(), expected, `${variant}: what the panel says it read`);
    assert.equal(await reading.getAttribute('data-not-found'), notFound, variant);
    if (variant.startsWith('shadow-')) {
      // Every field of the page is read from inside the shadow roots, closed ones included.
      assert.equal(await crmPage.panel.recordFieldCount.textContent(), fieldCount, variant);
      await assertPanelShows(first);
      if (variant === 'shadow-closed') {
        const reachable = await crmPage.page.evaluate(() => document.querySelector('records-lwc-detail-panel').shadowRoot);
        assert.equal(reachable, null, "the page's own scripts cannot reach a closed shadow root");
      }
    }
    await crmPage.screenshot(join(screenshotDir, `pages-changed-${variant}.png`));
  }
});

test('a page showing another record than its address, or a record no import holds under its id, shows no imported record', async () => {
  const [unitedOil, dickenson] = LIGHTNING;
  const { panel } = crmPage;
  await crmPage.openOpportunity(unitedOil.id);
  await panel.waitForRecord(unitedOil.id);
  await panel.setImportAsOf('2023-10-28');
  await panel.importFiles([join(sharedDataDir, 'salesforce-devorg-data-export', 'opportunity.csv')]);
  assert.equal(await panel.waitForResult('opportunity.csv'), 'imported');
  await panel.openTab('record');
  const match = panel.frame.getByTestId('record-match');
  const row = panel.frame.getByTestId('record-row');
  // The control: the page and its address agree, and the imported row is shown.
  await match.filter({ hasText: `Found by id ${unitedOil.id}` }).waitFor();
  assert.equal(await row.count(), 1);

  // The address names Dickenson; the page still shows United Oil.
  await openVariant(dickenson.id, `show=${unitedOil.id}`);
  await panel.recordName.filter({ hasText: unitedOil.name }).waitFor();
  await match.filter({ hasText: 'disagree' }).waitFor();
  assert.equal(
    (await match.textContent()).trim(),
    `The address names the record ${dickenson.id} ("${dickenson.name}" in the snapshot of 2023-10-28), while the page shows ` +
      `"${unitedOil.name}", the name of record ${unitedOil.id}: the page and its address disagree, so no record is shown.`,
  );
  assert.equal(await row.count(), 0, 'no imported row is shown');
  const imported = await panel.frame.locator('[data-testid="record-comparison"] tbody td:nth-child(3)').allTextContents();
  assert.ok(imported.length > 0 && imported.every((cell) => cell === ''), `no imported value is shown: ${imported}`);
  const viewText = await panel.frame.getByTestId('record-view').innerText();
  for (const value of ['15,000', 'Qualification', 'Purchased List']) {
    assert.ok(!viewText.includes(value), `the record view shows no imported "${value}": ${viewText}`);
  }
  await crmPage.screenshot(join(screenshotDir, 'pages-page-differs-from-address.png'));

  // An id no import holds, on a page showing United Oil: the import's United Oil has its own id.
  const unknownId = '006Hp000015Yh9ZZAC';
  await openVariant(unknownId, `show=${unitedOil.id}`);
  await match.filter({ hasText: unknownId }).waitFor();
  assert.equal(
    (await match.textContent()).trim(),
    `No record with id ${unknownId} is in the snapshot of 2023-10-28; the record named "${unitedOil.name}" has another id (${unitedOil.id}), so it is not shown.`,
  );
  assert.equal(await row.count(), 0, 'no imported row is shown');
  await crmPage.screenshot(join(screenshotDir, 'pages-unknown-id.png'));
});
