// Page object: the demo CRM record pages (public/demo/: the Salesforce Lightning opportunity,
// the HubSpot deal and the Dynamics 365 opportunity) and the panel the content script places on
// them.
import { LensPanel } from './lens-panel.mjs';

/** The HubSpot portal the demo deal page's links use. */
export const HUBSPOT_DEMO_PORTAL = '24680135';
/** The Dynamics 365 app id the demo opportunity form's links use. */
export const DYNAMICS_DEMO_APP_ID = 'd5a3f2c1-9e8b-ef11-a72d-000d3a5c1f20';

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

  /**
   * A Salesforce Lightning opportunity. `strictCsp` asks the demo server for its strictest policy
   * (no frames, no connections, own scripts only); returns the response, whose headers carry it.
   */
  async openOpportunity(id, { strictCsp = false } = {}) {
    const query = strictCsp ? '?csp=strict' : '';
    return this.page.goto(`${this.baseUrl}/lightning/r/Opportunity/${id}/view${query}`);
  }

  /** A HubSpot deal: /contacts/<portal>/record/0-3/<deal id>. */
  async openHubSpotDeal(id, portal = HUBSPOT_DEMO_PORTAL) {
    return this.page.goto(`${this.baseUrl}/contacts/${portal}/record/0-3/${id}`);
  }

  /** A Dynamics 365 opportunity form: /main.aspx?appid=…&pagetype=entityrecord&etn=opportunity&id=<GUID>. */
  async openDynamicsOpportunity(guid) {
    const query = new URLSearchParams({
      appid: DYNAMICS_DEMO_APP_ID,
      pagetype: 'entityrecord',
      etn: 'opportunity',
      id: guid,
    });
    return this.page.goto(`${this.baseUrl}/main.aspx?${query}`);
  }

  /** Moves to another record the way the CRMs do: history.pushState, no reload. */
  async followRecordLink(id) {
    await this.page.getByTestId(`demo-link-${id}`).click();
  }

  /** Whether the page's own record view for `id` is shown (demo pages keep the others hidden). */
  async isRecordShown(id) {
    return this.page.locator(`[data-record-id="${id}"]`).isVisible();
  }

  /** The panel's frame itself (for evaluating script in the panel's document). */
  async panelFrame() {
    const handle = await this.panelFrameElement.elementHandle();
    const frame = await handle.contentFrame();
    await handle.dispose();
    return frame;
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
