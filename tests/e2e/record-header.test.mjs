// Journey: open a CRM record page; the content script places the panel on it and the panel shows
// the record read from the page, following the page when it moves to another record.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, screenshotDir } from '../support/environment.mjs';

const UNITED_OIL = { id: '006Hp000015Yh7mIAC', name: 'United Oil Office Portable Generators' };
const DICKENSON = { id: '006Hp000015Yh7kIAC', name: 'Dickenson Mobile Generators' };

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

test('the content script places the panel iframe from the extension on the record page', async () => {
  await crmPage.openOpportunity(UNITED_OIL.id);
  await crmPage.panelFrameElement.waitFor();
  const src = await crmPage.panelFrameSrc();
  assert.match(src, /^chrome-extension:\/\/[a-z0-9-]+\/panel\.html$/);
  assert.equal(await crmPage.isPanelCollapsed(), false);
});

test('the panel shows the object, id and name read from the page', async () => {
  const { panel } = crmPage;
  await panel.recordName.filter({ hasText: UNITED_OIL.name }).waitFor();
  assert.equal(await panel.recordObject.textContent(), 'Opportunity');
  assert.equal(await panel.recordId.textContent(), UNITED_OIL.id);
  assert.equal((await panel.recordName.textContent()).trim(), UNITED_OIL.name);
  assert.match(await panel.recordFieldCount.textContent(), /^\d+ fields read from the page$/);
  await crmPage.screenshot(join(screenshotDir, 'record-header.png'));
});

test('the panel follows the page to another record without a reload (older force-* markup)', async () => {
  await crmPage.followRecordLink(DICKENSON.id);
  const { panel } = crmPage;
  await panel.recordId.filter({ hasText: DICKENSON.id }).waitFor();
  assert.equal((await panel.recordName.textContent()).trim(), DICKENSON.name);
  // The earlier record's page is still in the DOM, hidden: its fields must not leak in.
  await panel.recordFieldCount.click();
  const fieldsText = await panel.recordHeader.textContent();
  assert.ok(fieldsText.includes('Qualification'), 'the stage of the visible record is listed');
  assert.ok(!fieldsText.includes('Negotiation/Review'), 'the hidden record is not read');
  await crmPage.screenshot(join(screenshotDir, 'record-header-after-navigation.png'));
});

test('the handle collapses the panel and brings it back', async () => {
  await crmPage.panelHandle.click();
  assert.equal(await crmPage.isPanelCollapsed(), true);
  await crmPage.page.waitForTimeout(200);
  await crmPage.screenshot(join(screenshotDir, 'panel-collapsed.png'));
  await crmPage.panelHandle.click();
  assert.equal(await crmPage.isPanelCollapsed(), false);
});

test("a page that renders the next record late: the panel follows the address at once and never shows the earlier record's name under the new id", async () => {
  // The page changes its address at once but shows the next record only 1.5 s later.
  await browser.page.goto(`${baseUrl}/lightning/r/Opportunity/${UNITED_OIL.id}/view?render-delay=1500`);
  const { panel } = crmPage;
  await panel.recordName.filter({ hasText: UNITED_OIL.name }).waitFor();
  const frame = await crmPage.panelFrame();
  // Every (id, name) pair the header shows from now on.
  await frame.evaluate(() => {
    window.lensHeadersSeen = [];
    const note = () => {
      const id = document.querySelector('[data-testid="record-id"]')?.textContent ?? '';
      const name = document.querySelector('[data-testid="record-name"]')?.textContent.trim() ?? '';
      if (window.lensHeadersSeen.at(-1) !== `${id} | ${name}`) window.lensHeadersSeen.push(`${id} | ${name}`);
    };
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, characterData: true });
  });

  await crmPage.followRecordLink(DICKENSON.id);
  await panel.recordId.filter({ hasText: DICKENSON.id }).waitFor();
  await panel.recordName.filter({ hasText: DICKENSON.name }).waitFor();
  const seen = await frame.evaluate(() => window.lensHeadersSeen);
  assert.ok(!seen.includes(`${DICKENSON.id} | ${UNITED_OIL.name}`), `the new id never carries the earlier name: ${seen.join('; ')}`);
  // Before the page rendered the record, the header had the new id without a name.
  assert.ok(seen.includes(`${DICKENSON.id} | (name not shown on the page yet)`), `the id came before the page's name: ${seen.join('; ')}`);
  assert.equal(seen.at(-1), `${DICKENSON.id} | ${DICKENSON.name}`);
});
