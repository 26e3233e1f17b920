// `cargo xtask demo` driver: opens the demo CRM record page in headless Chromium with the demo
// build of Lens, imports one export into the panel, prints what the panel shows and saves a
// screenshot. Inputs come from the environment (see crates/xtask/src/dist.rs):
// LENS_EXTENSION_DIR, LENS_CHROMIUM, LENS_REPO_ROOT, LENS_BASE_URL, LENS_DEMO_FILE,
// LENS_DEMO_SCREENSHOT.
import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

import { CrmRecordPage } from './pages/crm-record-page.mjs';
import { launchWithExtension } from './support/browser.mjs';
import { baseUrl } from './support/environment.mjs';

const DEMO_RECORD_ID = '006Hp000015Yh7mIAC';

const demoFile = process.env.LENS_DEMO_FILE;
const screenshotPath = process.env.LENS_DEMO_SCREENSHOT;
if (!demoFile || !screenshotPath) {
  console.error('demo.mjs: LENS_DEMO_FILE and LENS_DEMO_SCREENSHOT must be set (run `cargo xtask demo`)');
  process.exit(2);
}

const browser = await launchWithExtension();
try {
  const crmPage = new CrmRecordPage(browser.page, baseUrl);
  await crmPage.openOpportunity(DEMO_RECORD_ID);
  const { panel } = crmPage;
  await panel.recordName.waitFor();
  console.log(`panel: record ${await panel.recordObject.textContent()} ${await panel.recordId.textContent()} "${(await panel.recordName.textContent()).trim()}"`);

  const fileName = basename(demoFile);
  const started = Date.now();
  await panel.importFiles([demoFile]);
  const state = await panel.waitForResult(fileName, 120_000);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (state === 'imported') {
    const summary = await panel.summary(fileName);
    console.log(`panel: ${fileName} (${seconds} s in the panel)`);
    console.log(`  format:    ${summary.format}`);
    console.log(`  as of:     ${summary.asOf}`);
    console.log(`  data rows: ${summary.dataRows}`);
    console.log(`  stored:    ${summary.stored}`);
    console.log(`  rejected:  ${summary.rejected}`);
    for (const reason of summary.reasons) console.log(`    ${reason}`);
  } else {
    console.log(`panel: ${(await panel.errorLines(fileName).textContent()).trim()}`);
  }
  await mkdir(dirname(screenshotPath), { recursive: true });
  await crmPage.screenshot(screenshotPath);
} finally {
  await browser.close();
}
