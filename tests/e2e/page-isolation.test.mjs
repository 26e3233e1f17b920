// Journey: what the panel keeps in IndexedDB lives in the extension's origin, inside the panel's
// iframe; the CRM page's own scripts (its main world) cannot list it, open it or read it.
//
// The panel does not store anything on opening yet, so the test stores a record in the panel's
// origin itself, under a probe name that cannot collide with the panel's own "lens" database; once
// the panel stores its imports, the "lens" checks below cover them as they stand.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { CrmRecordPage } from '../pages/crm-record-page.mjs';
import { launchWithExtension } from '../support/browser.mjs';
import { baseUrl } from '../support/environment.mjs';

const LENS_DATABASE = 'lens';
const PROBE_DATABASE = 'lens-isolation-probe';
const PROBE_RECORD = { id: '006Hp000015Yh7mIAC', name: 'United Oil Office Portable Generators' };

let browser;
let crmPage;

before(async () => {
  browser = await launchWithExtension();
  crmPage = new CrmRecordPage(browser.page, baseUrl);
});

after(async () => {
  await browser?.close();
});

// The functions below run in the browser (Playwright sends their source), so each is self-contained.

/** Runs in the panel's iframe (the extension origin): stores the probe record. */
function storeProbe(_body, { name, record }) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore('records', { keyPath: 'id' });
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const transaction = db.transaction('records', 'readwrite');
      transaction.objectStore('records').put(record);
      transaction.oncomplete = () => {
        db.close();
        resolve();
      };
      transaction.onerror = () => reject(transaction.error);
    };
  });
}

/** Runs in the panel's iframe: the databases its origin has and the probe record read back. */
async function readPanelStorage(_body, { name, id }) {
  const names = (await indexedDB.databases()).map((database) => database.name);
  const record = await new Promise((resolve, reject) => {
    const request = indexedDB.open(name);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      const db = request.result;
      const get = db.transaction('records').objectStore('records').get(id);
      get.onsuccess = () => {
        db.close();
        resolve(get.result ?? null);
      };
      get.onerror = () => reject(get.error);
    };
  });
  return { names, record };
}

/**
 * Runs in the CRM page's main world: the databases its origin lists, and what opening each given
 * name yields (the version it had before, its object stores), deleting what the opening created.
 */
async function whatThePageSees(names) {
  const listed = (await indexedDB.databases()).map((database) => database.name);
  const opened = {};
  for (const name of names) {
    opened[name] = await new Promise((resolve, reject) => {
      let oldVersion = null;
      const request = indexedDB.open(name);
      request.onupgradeneeded = (event) => {
        oldVersion = event.oldVersion;
      };
      request.onerror = () => reject(request.error);
      request.onsuccess = () => {
        const db = request.result;
        const seen = { oldVersion, version: db.version, objectStores: [...db.objectStoreNames] };
        db.close();
        const deletion = indexedDB.deleteDatabase(name);
        deletion.onsuccess = () => resolve(seen);
        deletion.onerror = () => reject(deletion.error);
      };
    });
  }
  return { listed, opened };
}

function assertPageSeesNothing(seen, where) {
  assert.deepEqual(seen.listed, [], `${where}: indexedDB.databases() is empty in the page`);
  for (const [name, opened] of Object.entries(seen.opened)) {
    assert.deepEqual(
      opened,
      { oldVersion: 0, version: 1, objectStores: [] },
      `${where}: opening "${name}" from the page creates a fresh, empty database`,
    );
  }
}

test('the panel keeps a record in IndexedDB in its own origin', async () => {
  await crmPage.openOpportunity(PROBE_RECORD.id);
  const { panel } = crmPage;
  await panel.waitForRecord(PROBE_RECORD.id);
  const panelBody = panel.frame.locator('body');
  assert.match(await panelBody.evaluate(() => location.origin), /^chrome-extension:\/\//);
  await panelBody.evaluate(storeProbe, { name: PROBE_DATABASE, record: PROBE_RECORD });
  const stored = await panelBody.evaluate(readPanelStorage, { name: PROBE_DATABASE, id: PROBE_RECORD.id });
  assert.ok(stored.names.includes(PROBE_DATABASE), `the panel's origin lists its database (${stored.names})`);
  assert.deepEqual(stored.record, PROBE_RECORD);
});

for (const [where, open] of [
  ['Salesforce Lightning page', (page) => page.openOpportunity('006Hp000015Yh7kIAC')],
  ['HubSpot page', (page) => page.openHubSpotDeal('31847265019')],
  ['Dynamics 365 page', (page) => page.openDynamicsOpportunity('3f6a2c1e-8b47-ef11-a316-000d3a8e4b21')],
]) {
  test(`the ${where}'s own scripts see no Lens database`, async () => {
    await open(crmPage);
    await crmPage.panel.recordId.waitFor();
    const seen = await crmPage.page.evaluate(whatThePageSees, [LENS_DATABASE, PROBE_DATABASE]);
    assertPageSeesNothing(seen, where);
  });
}

test("the pages deleting databases of the same names left the panel's record alone", async () => {
  await crmPage.openOpportunity(PROBE_RECORD.id);
  await crmPage.panel.waitForRecord(PROBE_RECORD.id);
  const panelBody = crmPage.panel.frame.locator('body');
  const stored = await panelBody.evaluate(readPanelStorage, { name: PROBE_DATABASE, id: PROBE_RECORD.id });
  assert.deepEqual(stored.record, PROBE_RECORD);
});
