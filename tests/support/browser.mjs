// Launches headless Chromium with the unpacked Lens extension, as TOOLCHAIN.md prescribes, and
// records every request the browser context makes (pages, frames and the service worker).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

import { chromiumPath, extensionDir } from './environment.mjs';

/**
 * @returns {Promise<{context: import('playwright-core').BrowserContext, page: import('playwright-core').Page,
 *   extensionId: string, requests: string[], close: () => Promise<void>}>}
 */
export async function launchWithExtension({ userDataDir: keptProfile, headless = true } = {}) {
  // A given profile directory outlives the browser (to test a restart); otherwise a fresh one is
  // made and removed on close.
  const userDataDir = keptProfile ?? (await mkdtemp(join(tmpdir(), 'lens-e2e-')));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless,
    viewport: { width: 1280, height: 800 },
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // Replaces Playwright's own --disable-features list, which turns off third-party storage
      // partitioning and with it IndexedDB inside the extension iframe.
      '--disable-features=MediaRouter',
    ],
  });
  const requests = [];
  context.on('request', (request) => requests.push(request.url()));

  const serviceWorker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
  const extensionId = new URL(serviceWorker.url()).host;
  const page = context.pages()[0] ?? (await context.newPage());

  return {
    context,
    page,
    extensionId,
    requests,
    close: async () => {
      await context.close();
      if (!keptProfile) await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
