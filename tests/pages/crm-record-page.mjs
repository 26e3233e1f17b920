// Page object: the demo CRM record page (public/demo/opportunity.html) and the panel the content
// script places on it.
import { LensPanel } from './lens-panel.mjs';

export class CrmRecordPage {
  /**
   * @param {import('playwright-core').Page} page
   * @param {string} baseUrl the demo server's origin
   */
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
    this.panelHost = page.getByTestId('lens-panel-host');
    this.panelFrameElement = page.getByTestId('lens-panel-frame');
    this.panelHandle = page.getByTestId('lens-panel-handle');
    this.panel = new LensPanel(page.frameLocator('[data-testid="lens-panel-frame"]'));
  }

  async openOpportunity(id) {
    await this.page.goto(`${this.baseUrl}/lightning/r/Opportunity/${id}/view`);
  }

  /** Moves to another record the way Lightning does: history.pushState, no reload. */
  async followRecordLink(id) {
    await this.page.getByTestId(`demo-link-${id}`).click();
  }

  async panelFrameSrc() {
    return this.panelFrameElement.getAttribute('src');
  }

  async isPanelCollapsed() {
    return (await this.panelHost.getAttribute('data-collapsed')) !== null;
  }

  async screenshot(path) {
    await this.page.screenshot({ path });
  }
}
