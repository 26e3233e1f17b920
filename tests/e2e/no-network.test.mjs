// Journey: a whole session (record page, panel, imports) sends nothing anywhere but the extension
// itself and the local test page, and the panel's CSP refuses a request to another origin.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl, sharedDataDir } from '../support/environment.mjs';

let browser;
let crmPage;
let sink;
const sinkHits = [];

before(async () => {
  // A server nothing should ever reach: any hit on it is data leaving the panel.
  sink = createServer((request, response) => {
    sinkHits.push(request.url);
    response.end('sink');
  });
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => sink.close(resolve));
});

test('every request goes to chrome-extension:// or the test page origin', async () => {
  await crmPage.openOpportunity('006Hp000015Yh7mIAC');
  const { panel } = crmPage;
  await panel.recordName.waitFor();
  await panel.importFiles([
    join(sharedDataDir, 'salesforce-devorg-data-export/opportunity.csv'),
    join(sharedDataDir, 'salesforce-devorg-data-export/OpportunityHistory.csv'),
  ]);
  await panel.waitForResult('opportunity.csv');
  await panel.waitForResult('OpportunityHistory.csv');

  assert.ok(browser.requests.length > 0, 'requests were recorded');
  const elsewhere = browser.requests.filter(
    (url) => !url.startsWith('chrome-extension://') && !url.startsWith(`${baseUrl}/`),
  );
  assert.deepEqual(elsewhere, []);
  const extensionRequests = browser.requests.filter((url) => url.startsWith('chrome-extension://'));
  assert.ok(extensionRequests.some((url) => url.endsWith('/pkg/lens_ext_bg.wasm')), 'the panel wasm was loaded');
});

test('the panel cannot send a request to another origin (connect-src self)', async () => {
  const sinkUrl = `http://127.0.0.1:${sink.address().port}/leak`;
  const outcome = await crmPage.panel.frame.locator('body').evaluate(
    (_body, url) => fetch(url, { method: 'POST', body: 'data' }).then(() => 'sent', (error) => `refused: ${error.message}`),
    sinkUrl,
  );
  assert.match(outcome, /^refused/);
  assert.deepEqual(sinkHits, []);
});
