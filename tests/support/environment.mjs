// Where the tests find the built extension, Chromium, the repository and the demo server.
// `cargo xtask e2e`/`test` (crates/xtask/src/e2e.rs) sets these; see tests/README.md to run by hand.
import { resolve } from 'node:path';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests through \`cargo xtask test\` (or see tests/README.md)`);
  }
  return value;
}

export const extensionDir = resolve(required('LENS_EXTENSION_DIR'));
export const chromiumPath = process.env.LENS_CHROMIUM || '/usr/bin/chromium';
export const repoRoot = resolve(required('LENS_REPO_ROOT'));
/** The demo server's origin, e.g. http://127.0.0.1:41234 (no trailing slash). */
export const baseUrl = required('LENS_BASE_URL').replace(/\/$/, '');
/** The shared test data, checked out beside the repository. */
export const sharedDataDir = resolve(repoRoot, '../shared/data');
/** Screenshots the tests take, for a person to look at. */
export const screenshotDir = resolve(repoRoot, 'target/e2e');
/** The `lens` command built from the same core (for comparing its numbers with the panel's). */
export const cliPath = process.env.LENS_CLI ? resolve(process.env.LENS_CLI) : undefined;
