// `cargo xtask demo` driver: opens a demo Salesforce opportunity page in Chromium with the demo
// build of Lens, imports the generated district through the panel (52 weekly snapshots, history,
// users, renewals and program tables), and saves a screenshot of every screen. Inputs come from
// the environment (see crates/xtask/src/dist.rs): LENS_EXTENSION_DIR, LENS_CHROMIUM,
// LENS_REPO_ROOT, LENS_BASE_URL, LENS_DEMO_DATA, LENS_DEMO_RECORD, LENS_DEMO_SCREENSHOTS,
// LENS_DEMO_HEADED (leave the window open).
import { mkdir, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { CrmRecordPage } from './pages/crm-record-page.mjs';
import { launchWithExtension } from './support/browser.mjs';
import { baseUrl } from './support/environment.mjs';

const dataDir = process.env.LENS_DEMO_DATA;
const recordId = process.env.LENS_DEMO_RECORD;
const screenshotDir = process.env.LENS_DEMO_SCREENSHOTS;
if (!dataDir || !recordId || !screenshotDir) {
  console.error('demo.mjs: LENS_DEMO_DATA, LENS_DEMO_RECORD and LENS_DEMO_SCREENSHOTS must be set (run `cargo xtask demo`)');
  process.exit(2);
}
const headed = process.env.LENS_DEMO_HEADED === '1';

const snapshotDir = join(dataDir, 'snapshots');
const snapshots = (await readdir(snapshotDir)).filter((name) => name.endsWith('.csv')).sort().map((name) => join(snapshotDir, name));
const tables = ['OpportunityHistory.csv', 'User.csv', 'accounts.csv', 'subscriptions.csv', 'usage.csv', 'tickets.csv',
  'churn_events.csv', 'program_milestones.csv', 'experiment_assignments.csv'].map((name) => join(dataDir, name));
const files = [...snapshots, ...tables];

await mkdir(screenshotDir, { recursive: true });
const browser = await launchWithExtension({ headless: !headed });
try {
  const crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity(recordId);
  const { panel } = crmPage;
  await panel.recordName.waitFor();
  console.log(`panel: record ${await panel.recordObject.textContent()} ${await panel.recordId.textContent()} "${(await panel.recordName.textContent()).trim()}"`);

  const started = Date.now();
  console.log(`panel: importing ${files.length} files (${snapshots.length} snapshots)…`);
  await panel.importFiles(files);
  let failed = 0;
  for (const file of files) {
    const state = await panel.waitForResult(basename(file), 300_000);
    if (state !== 'imported') {
      failed += 1;
      console.log(`  ${basename(file)}: ${(await panel.errorLines(basename(file)).textContent()).trim()}`);
    }
  }
  console.log(`panel: ${files.length - failed} files imported, ${failed} not, in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await crmPage.screenshot(join(screenshotDir, 'import.png'));

  await panel.openTab('cockpit');
  await panel.frame.getByTestId('analysis-basis').waitFor({ timeout: 120_000 });
  console.log(`panel: ${(await panel.frame.getByTestId('analysis-basis').textContent()).trim()}`);
  const tabs = await panel.frame.locator('[role="tab"]').evaluateAll((nodes) => nodes.map((node) => node.dataset.testid.replace(/^tab-/, '')));
  for (const tab of tabs) {
    await panel.openTab(tab);
    await browser.page.waitForTimeout(300);
    const path = join(screenshotDir, `${tab}.png`);
    await crmPage.screenshot(path);
    console.log(`  screenshot: ${path}`);
  }
  await panel.openTab('record');
  await crmPage.screenshot(join(screenshotDir, 'panel.png'));
  if (headed) {
    console.log('demo: the browser stays open; close it to finish.');
    await new Promise((resolve) => browser.context.on('close', resolve));
  }
} finally {
  await browser.close();
}
