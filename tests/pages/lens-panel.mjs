// Page object: the Lens panel (panel.html in the extension's iframe), read through data-testid.

export class LensPanel {
  /** @param {import('playwright-core').FrameLocator} frame */
  constructor(frame) {
    this.frame = frame;
    this.recordHeader = frame.getByTestId('record-header');
    this.recordObject = frame.getByTestId('record-object');
    this.recordId = frame.getByTestId('record-id');
    this.recordName = frame.getByTestId('record-name');
    this.recordFieldCount = frame.getByTestId('record-field-count');
    this.fileInput = frame.getByTestId('import-input');
  }

  /** Waits until the panel shows the record with this id (the content script read it). */
  async waitForRecord(id, timeout = undefined) {
    await this.recordId.filter({ hasText: id }).waitFor({ timeout });
  }

  /**
   * The record header's text with the list of fields read from the page opened, whitespace
   * collapsed: the CRM's name, the object, id, name and every label followed by its value.
   */
  async recordText() {
    // The field list sits in a <details> under the count; open it without toggling it shut.
    await this.recordFieldCount.evaluate((count) => {
      const details = count.closest('details');
      if (details) details.open = true;
    });
    return (await this.recordHeader.innerText()).replace(/\s+/g, ' ').trim();
  }

  /** Opens a tab by its label's test id suffix: record, cockpit, forecast, hygiene, import, settings, data… */
  async openTab(name) {
    const tab = this.frame.getByTestId(`tab-${name}`);
    await tab.click();
    await this.frame.locator(`[data-testid="tab-${name}"][aria-selected="true"]`).waitFor();
  }

  /** Sets the as-of date used for opportunity lists that state none (YYYY-MM-DD). */
  async setImportAsOf(date) {
    await this.openTab('import');
    await this.frame.getByTestId('import-as-of-input').fill(date);
    await this.frame.getByTestId('import-as-of-input').dispatchEvent('change');
  }

  /** Sets the decimal mark for the files imported next: ',' or '.', or '' to take it from each file. */
  async setImportDecimalMark(key) {
    await this.openTab('import');
    await this.frame.getByTestId('import-decimal-mark-input').selectOption(key);
  }

  /** The value (as a number, or null when undefined) of every insight on the open module screen, by key. */
  async insightValues() {
    const insights = this.frame.getByTestId('insight');
    const entries = await insights.evaluateAll((nodes) =>
      nodes.map((node) => [node.dataset.key, node.dataset.value === '' ? null : Number(node.dataset.value)]),
    );
    return Object.fromEntries(entries);
  }

  /** The file names the Data screen lists, in order. */
  async storedFiles() {
    await this.openTab('data');
    // The list is only complete once storage has been read back.
    try {
      await this.frame.locator('[data-testid="data-screen"][data-load="ready"]').waitFor({ timeout: 15_000 });
    } catch (error) {
      const state = await this.frame.getByTestId('data-load-state').allTextContents();
      throw new Error(`the Data screen did not finish loading (${state.join(' ') || 'no load state shown'})`, { cause: error });
    }
    const rows = this.frame.getByTestId('data-import');
    return rows.evaluateAll((nodes) => nodes.map((node) => node.dataset.file));
  }

  /** Hands files to the panel's file picker, all at once, as a user selecting several would. */
  async importFiles(paths) {
    await this.openTab('import');
    await this.fileInput.setInputFiles(paths);
  }

  /** The summary of one imported file, by file name. */
  result(fileName) {
    return this.frame.locator(`[data-testid="import-result"][data-file="${fileName}"]`);
  }

  /** Waits until the file is no longer being read; returns "imported" or "failed". */
  async waitForResult(fileName, timeout = 30_000) {
    const result = this.result(fileName);
    await result.and(this.frame.locator(':not([data-state="reading"])')).waitFor({ timeout });
    return result.getAttribute('data-state');
  }

  /** What the panel shows for an imported file. */
  async summary(fileName) {
    const result = this.result(fileName);
    const text = async (testId) => (await result.getByTestId(testId).textContent()).trim();
    const reasons = result.getByTestId('import-reasons').locator('li');
    return {
      format: await text('import-format'),
      asOf: await text('import-as-of'),
      dataRows: Number(await text('import-data-rows')),
      stored: Number(await text('import-stored')),
      rejected: Number(await text('import-rejected')),
      reasons: (await reasons.allTextContents()).map((reason) => reason.trim()),
    };
  }

  /** The notes under an imported file's summary (footer stripped, mapping used, …). */
  async notes(fileName) {
    return (await this.result(fileName).locator('.lens-notes li').allTextContents()).map((note) => note.trim());
  }

  /**
   * Fills the column-mapping form of a file whose header the panel did not recognise:
   * `columns` maps a field key (close_date) to the header of the column that holds it.
   */
  async chooseColumns(fileName, columns) {
    const result = this.result(fileName);
    for (const [field, header] of Object.entries(columns)) {
      await result
        .locator(`[data-testid="mapping-field"][data-field="${field}"]`)
        .getByTestId('mapping-column')
        .selectOption({ label: header });
    }
  }

  /** Presses "Import with this mapping"; returns once the file is read again (or the form objects). */
  async applyMapping(fileName) {
    const result = this.result(fileName);
    await result.getByTestId('mapping-apply').click();
    await this.frame
      .locator(`[data-testid="import-result"][data-file="${fileName}"]:not([data-state="ask-mapping"]), [data-testid="import-result"][data-file="${fileName}"] [data-testid="mapping-problem"]`)
      .first()
      .waitFor();
  }

  /**
   * The summary of one imported file, by file name, for any name a file system allows (quotes,
   * backslashes and markup included); the last one when the file was imported more than once.
   */
  resultNamed(fileName) {
    return this.frame.locator(`[data-testid="import-result"][data-file=${cssString(fileName)}]`).last();
  }

  /** {@link waitForResult} for {@link resultNamed}: "imported" or "failed". */
  async waitForResultNamed(fileName, timeout = 30_000) {
    const result = this.resultNamed(fileName);
    await result.and(this.frame.locator(':not([data-state="reading"])')).waitFor({ timeout });
    return result.getAttribute('data-state');
  }

  /** The one line the panel shows for a file it could not import. */
  errorLines(fileName) {
    return this.result(fileName).getByTestId('import-error');
  }
}

/** `text` as a quoted CSS string, for attribute selectors on any text. */
export function cssString(text) {
  return `"${text.replace(/[\\"]/g, '\\$&').replace(/[\n\r\f]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}
