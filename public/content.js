// Lens content script: reads the record shown on a CRM page and places the Lens panel beside it.
//
// It is deliberately dumb. It reads the record id from the URL and the label/value pairs the page
// shows, and hands them to the panel through chrome.runtime messaging (never window.postMessage,
// which the page's own scripts could forge). It parses no meaning, stores nothing and sends
// nothing anywhere but the panel; all analysis runs in the panel's wasm, in the extension origin.
//
// Selectors come from data/formats/FORMATS.md sections 5 and 6 (Salesforce Lightning, HubSpot).
// The Dynamics 365 selectors come from what public UI-test suites select on real orgs (Microsoft's
// EasyRepro, Api.UCI/DTO/AppElementReference.cs, and Playwright/Selenium page objects):
// [data-id="editFormRoot"], [data-id="header_title"], div[data-id="<name>-FieldSectionItemContainer"]
// with label[id$="-field-label"], controls [data-id^="<name>.fieldControl-"] and the records a
// lookup shows in [data-id$="_selected_tag_text"]; they are not verified against a live org.
//
// CRM pages are single-page apps that keep earlier records' pages (and inactive tabs) in the DOM,
// hidden: every reader reads only the visible record page.
(() => {
  'use strict';

  // Only the top frame gets a panel; CRM pages embed many frames of their own.
  if (window.top !== window) return;
  // The manifest injects once per document, but a reloaded extension re-injects into open tabs.
  if (document.getElementById('lens-panel-host')) return;

  const RECORD_MESSAGE = 'lens:record';
  const PANEL_READY_MESSAGE = 'lens:panel-ready';
  const TOGGLE_MESSAGE = 'lens:toggle';
  const PANEL_WIDTH_PX = 380;
  const DEBOUNCE_MS = 300;
  // After a navigation, pages render in stages (and native shadow roots are invisible to the
  // MutationObserver), so the record is re-read a few times on a widening schedule.
  const REREAD_AFTER_NAVIGATION_MS = [500, 1000, 2000, 4000, 8000];
  const URL_POLL_MS = 1000;
  // How long after an address change a page still showing the earlier record's name is taken as
  // not rendered yet (the last re-read, at 8 s, takes the page as it is).
  const STALE_PAGE_MS = 6000;
  const MAX_FIELDS = 200;
  const MAX_VALUE_CHARS = 500;
  const MAX_SHADOW_ROOTS = 2000;

  // ---------------------------------------------------------------------------------------------
  // Reading the record.

  /** The record on the page as `{crm, object, id, name, fields: [{label, value}]}`, or null. */
  function readRecord() {
    const url = new URL(location.href);
    return readSalesforce(url) ?? readHubSpot(url) ?? readDynamics(url) ?? null;
  }

  // Salesforce Lightning: /lightning/r/<Object>/<15|18-char id>/view (FORMATS.md 5.1).
  const SALESFORCE_RECORD_PATH = /^\/lightning\/r\/([A-Za-z0-9_]+)\/([A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?)\/view(?:\/|$)/;

  function readSalesforce(url) {
    const match = SALESFORCE_RECORD_PATH.exec(url.pathname);
    if (!match) return undefined;
    const [, object, id] = match;
    const page = activeSalesforcePage();
    if (page === null) return { crm: 'salesforce', object, id, name: null, fields: [] };
    const name = textOf(queryFirst(page, [
      'records-highlights2 lightning-formatted-text[slot="primaryField"]',
      'force-highlights2 lightning-formatted-text[slot="primaryField"]',
      'lightning-formatted-text[slot="primaryField"]',
      'records-highlights2 h1 lightning-formatted-text',
      'force-highlights2 h1 lightning-formatted-text',
    ]));
    return { crm: 'salesforce', object, id, name: name || null, fields: salesforceFields(page) };
  }

  /**
   * The visible `one-record-home-flexipage2`: Lightning keeps earlier records' pages in the DOM,
   * hidden, when the user moves between records. `document` when the page has none (older
   * layouts, console apps); null when pages exist but none is visible yet (mid-navigation).
   */
  function activeSalesforcePage() {
    return visibleScope('one-record-home-flexipage2');
  }

  /**
   * The visible element among those matching `selector` (the record page a CRM shows now), or
   * `document` when the page has no such element, or null when it has some but none is visible yet.
   */
  function visibleScope(selector) {
    const scopes = queryAll(document, selector);
    if (scopes.length === 0) return document;
    return scopes.find(isVisible) ?? null;
  }

  function salesforceFields(page) {
    const fields = new FieldList();
    // Highlights panel: label in the first <p> (its title), value in the second.
    for (const item of queryAll(page, 'records-highlights-details-item, force-highlights-details-item')) {
      const paragraphs = item.querySelectorAll('p');
      const label = paragraphs[0]?.getAttribute('title') || textOf(paragraphs[0]);
      fields.add(label, textOf(paragraphs[1]));
    }
    // Detail panel: both tag generations, label from the field-label attribute.
    for (const item of queryAll(page, 'records-record-layout-item[field-label], force-record-layout-item[field-label]')) {
      fields.add(item.getAttribute('field-label'), salesforceValue(item));
    }
    // Plain SLDS markup (older layouts, some custom pages).
    if (fields.isEmpty()) {
      for (const label of queryAll(page, '.test-id__field-label')) {
        const element = label.closest('.slds-form-element');
        fields.add(textOf(label), textOf(element?.querySelector('.test-id__field-value, .slds-form-element__static')));
      }
    }
    return fields.list;
  }

  function salesforceValue(item) {
    const output = item.querySelector("[data-output-element-id='output-field']")
      ?? item.querySelector('.test-id__field-value, .slds-form-element__static');
    if (!output) return '';
    const lookup = output.querySelector("force-lookup a[data-navigation='enable'], records-hoverable-link a");
    return textOf(lookup ?? output);
  }

  // HubSpot: /contacts/<portal>/record/<object type id>/<record id> (FORMATS.md 6).
  const HUBSPOT_RECORD_PATH = /^\/contacts\/(\d+)\/record\/(\d+-\d+)\/(\d+)(?:\/|$)/;
  const HUBSPOT_OBJECTS = { '0-1': 'Contact', '0-2': 'Company', '0-3': 'Deal', '0-5': 'Ticket' };
  // Class names carry random suffixes; only partial attribute matches are stable.
  const HUBSPOT_LABEL = '[data-selenium-test*="property-label"], [class*="PropertyLabel"]';

  function readHubSpot(url) {
    const match = HUBSPOT_RECORD_PATH.exec(url.pathname);
    if (!match) return undefined;
    const [, , objectTypeId, id] = match;
    const object = HUBSPOT_OBJECTS[objectTypeId] ?? objectTypeId;
    // The left sidebar holds the title, the highlights and the properties.
    const sidebar = visibleScope('[data-test-id="left-sidebar"]');
    if (sidebar === null) return { crm: 'hubspot', object, id, name: null, fields: [] };
    const name = textOf(queryAll(sidebar, '[data-selenium-test="highlightTitle"]').find(isVisible));
    const fields = new FieldList();
    // A label that wraps another label (a styled wrapper around the label) is not a label itself.
    const labels = queryAll(sidebar, HUBSPOT_LABEL).filter((label) => !label.querySelector(HUBSPOT_LABEL));
    for (const label of labels) {
      fields.add(textOf(label).replace(/:$/, ''), hubSpotValue(label, sidebar));
    }
    return { crm: 'hubspot', object, id, name: name || null, fields: fields.list };
  }

  /**
   * The value shown with a HubSpot property label: the nearest enclosing element that holds this
   * label and nothing else labelled gives it, from its input (read-only inputs and textareas keep
   * the value out of innerText) or else from its text without the label.
   */
  function hubSpotValue(label, sidebar) {
    for (let node = label.parentElement; node && node !== sidebar; node = node.parentElement) {
      if (node.querySelectorAll(HUBSPOT_LABEL).length > 1) break;
      const control = [...node.querySelectorAll('input, textarea, select')].find(isVisible);
      if (control) return inputText(control);
      const value = textWithout(textOf(node), textOf(label));
      if (value) return value;
    }
    return '';
  }

  // Dynamics 365: main.aspx?...&pagetype=entityrecord&etn=<entity>&id=<GUID> (FORMATS.md 4);
  // older web-client links carry the same parameters after '#'.
  const GUID = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/;

  function readDynamics(url) {
    if (!/\/main\.aspx$/i.test(url.pathname)) return undefined;
    const params = url.searchParams.has('etn') ? url.searchParams : new URLSearchParams(url.hash.slice(1));
    const object = params.get('etn');
    const guid = GUID.exec(params.get('id') ?? '');
    if (!object || !guid) return undefined;
    const id = guid[1].toLowerCase();
    // Unverified against a live org: the Unified Interface form, its header and field containers.
    const form = visibleScope('[data-id="editFormRoot"]');
    if (form === null) return { crm: 'dynamics', object, id, name: null, fields: [] };
    const title = queryAll(form, '[data-id="header_title"]').find(isVisible);
    const fields = new FieldList();
    for (const container of queryAll(form, '[data-id$="-FieldSectionItemContainer"]')) {
      if (!isVisible(container)) continue;
      const label = textOf(container.querySelector('label[id$="-field-label"]') ?? container.querySelector('label'));
      fields.add(label, dynamicsValue(container, label));
    }
    return { crm: 'dynamics', object, id, name: ownText(title) || textOf(title) || null, fields: fields.list };
  }

  /**
   * The value a Dynamics field shows: the chosen records of a lookup (its search box is empty),
   * else its visible control's value (inputs keep it out of innerText), else its text without
   * the label (header fields show the value above the label).
   */
  function dynamicsValue(container, label) {
    const chosen = [...container.querySelectorAll('[data-id$="_selected_tag_text"]')].filter(isVisible);
    if (chosen.length > 0) return chosen.map(textOf).join('; ');
    const control = [...container.querySelectorAll('input, textarea, select')].find(isVisible);
    if (control) return inputText(control);
    return textWithout(textOf(container), label);
  }

  /** Label/value pairs in page order, without exact duplicates (the highlights repeat details). */
  class FieldList {
    constructor() { this.list = []; this.seen = new Set(); }
    add(label, value) {
      const cleanLabel = clean(label);
      if (!cleanLabel || this.list.length >= MAX_FIELDS) return;
      const cleanValue = clean(value).slice(0, MAX_VALUE_CHARS);
      const key = `${cleanLabel}\u0000${cleanValue}`;
      if (this.seen.has(key)) return;
      this.seen.add(key);
      this.list.push({ label: cleanLabel, value: cleanValue });
    }
    isEmpty() { return this.list.length === 0; }
  }

  // ---------------------------------------------------------------------------------------------
  // DOM helpers, with a shadow-root walk as fallback: Lightning renders most components with a
  // synthetic shadow (light DOM) today but is moving to native shadow roots (FORMATS.md 5.4),
  // open or closed; the walk enters both.

  function queryAll(root, selector) {
    const found = [...root.querySelectorAll(selector)];
    return found.length > 0 ? found : queryAllInShadowRoots(root, selector);
  }

  function queryFirst(root, selectors) {
    for (const selector of selectors) {
      const found = queryAll(root, selector);
      if (found.length > 0) return found[0];
    }
    return null;
  }

  function queryAllInShadowRoots(root, selector) {
    const found = [];
    const pending = [];
    const enqueueShadowRootsUnder = (node) => {
      const own = shadowRootOf(node);
      if (own) pending.push(own);
      for (const element of node.querySelectorAll('*')) {
        const shadowRoot = shadowRootOf(element);
        if (shadowRoot) pending.push(shadowRoot);
      }
    };
    enqueueShadowRootsUnder(root);
    for (let visited = 0; pending.length > 0 && visited < MAX_SHADOW_ROOTS; visited++) {
      const shadowRoot = pending.pop();
      found.push(...shadowRoot.querySelectorAll(selector));
      enqueueShadowRootsUnder(shadowRoot);
    }
    return found;
  }

  /**
   * The element's shadow root, open or closed: page scripts cannot reach a closed one
   * (`element.shadowRoot` is null), but Chrome gives content scripts `chrome.dom.openOrClosedShadowRoot`.
   * The panel's own shadow root is not the page's.
   */
  function shadowRootOf(node) {
    if (node === panelHost || !(node instanceof HTMLElement)) return null;
    try {
      return chrome.dom?.openOrClosedShadowRoot?.(node) ?? node.shadowRoot ?? null;
    } catch {
      return node.shadowRoot ?? null;
    }
  }

  function isVisible(element) {
    return typeof element.checkVisibility === 'function'
      ? element.checkVisibility()
      : element.getClientRects().length > 0;
  }

  function textOf(element) {
    return element ? clean(element.innerText ?? element.textContent) : '';
  }

  /** The element's own text, without its child elements' (a title without its save status). */
  function ownText(element) {
    if (!element) return '';
    return clean([...element.childNodes].filter((node) => node.nodeType === Node.TEXT_NODE)
      .map((node) => node.textContent).join(' '));
  }

  /** `text` without `label`, which precedes or follows the value; '' when nothing else is left. */
  function textWithout(text, label) {
    if (!label) return text;
    if (text.startsWith(label)) return text.slice(label.length).trim();
    if (text.endsWith(label)) return text.slice(0, -label.length).trim();
    return text.replace(label, '').trim();
  }

  function inputText(input) {
    if (input.tagName === 'SELECT') return input.selectedOptions[0]?.textContent ?? '';
    return input.value ?? '';
  }

  function clean(text) {
    return (text ?? '').replace(/\s+/g, ' ').trim();
  }

  // ---------------------------------------------------------------------------------------------
  // The panel: an iframe of the extension's panel.html on the right edge, with a handle that
  // collapses it. It lives in a shadow root so the page's CSS cannot restyle it; styles go
  // through a constructed stylesheet, which the page's CSP does not govern as it does <style>.

  const PANEL_CSS = `
    :host {
      all: initial;
      position: fixed;
      top: 0;
      right: 0;
      bottom: 0;
      width: ${PANEL_WIDTH_PX}px;
      z-index: 2147483646;
      display: block;
      transition: transform 120ms ease-out;
    }
    :host([data-collapsed]) { transform: translateX(100%); }
    iframe {
      display: block;
      width: 100%;
      height: 100%;
      border: 0;
      border-left: 1px solid #c9cfd6;
      background: #f3f4f6;
      box-shadow: -2px 0 6px rgba(24, 24, 24, 0.12);
    }
    :host([data-collapsed]) iframe { visibility: hidden; }
    button {
      position: absolute;
      top: 120px;
      left: -26px;
      width: 26px;
      height: 72px;
      padding: 0;
      border: 1px solid #c9cfd6;
      border-right: 0;
      border-radius: 4px 0 0 4px;
      background: #34526f;
      color: #fff;
      font: 600 12px/1 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
      writing-mode: vertical-rl;
      cursor: pointer;
    }
    button:focus-visible { outline: 2px solid #34526f; outline-offset: 2px; }
  `;

  let panelHost = null;

  function ensurePanel() {
    if (panelHost?.isConnected) return;
    panelHost = document.createElement('div');
    panelHost.id = 'lens-panel-host';
    panelHost.setAttribute('data-testid', 'lens-panel-host');
    const shadow = panelHost.attachShadow({ mode: 'open' });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(PANEL_CSS);
    shadow.adoptedStyleSheets = [sheet];

    const handle = document.createElement('button');
    handle.type = 'button';
    handle.textContent = 'Lens';
    handle.setAttribute('data-testid', 'lens-panel-handle');
    handle.addEventListener('click', togglePanel);

    const frame = document.createElement('iframe');
    frame.title = 'Lens panel';
    frame.setAttribute('data-testid', 'lens-panel-frame');
    frame.src = chrome.runtime.getURL('panel.html');

    shadow.append(handle, frame);
    document.documentElement.append(panelHost);
    setCollapsed(false);
  }

  function setCollapsed(collapsed) {
    panelHost.toggleAttribute('data-collapsed', collapsed);
    const handle = panelHost.shadowRoot.querySelector('button');
    handle.setAttribute('aria-expanded', String(!collapsed));
    handle.title = collapsed ? 'Show the Lens panel (Alt+Shift+L)' : 'Hide the Lens panel (Alt+Shift+L)';
  }

  function togglePanel() {
    ensurePanel();
    setCollapsed(!panelHost.hasAttribute('data-collapsed'));
  }

  // ---------------------------------------------------------------------------------------------
  // Messaging with the panel, and following the page as it navigates without reloading.

  function currentRecordMessage() {
    let record = null;
    try {
      record = readRecord();
    } catch (error) {
      // A page shape the selectors did not expect: report no record rather than a half-read one.
      console.debug('Lens: could not read the record on this page', error);
    }
    return { type: RECORD_MESSAGE, record: withoutDepartedPage(record) };
  }

  /**
   * A CRM changes the address first and renders the new record later, so for a while the page
   * still shows the record it is leaving. While the page still carries that record's name under
   * the new address, only the new id is reported (no name, no fields), never the earlier record's
   * fields under the new id; past STALE_PAGE_MS the page is taken as it is (two records may share
   * a name).
   */
  function withoutDepartedPage(record) {
    if (!record || !departed || performance.now() > departed.until) return record;
    if (record.id === departed.id || record.name === null || record.name !== departed.name) return record;
    return { ...record, name: null, fields: [] };
  }

  let lastSentJson = null;
  /** The record reported before the address last changed, while its page may still show. */
  let departed = null;

  function publishRecord() {
    send(currentRecordMessage());
  }

  function send(message) {
    const json = JSON.stringify(message);
    if (json === lastSentJson) return;
    lastSentJson = json;
    try {
      // No receiver yet is normal: the panel asks for the record itself when it starts.
      chrome.runtime.sendMessage(message).catch(() => {});
    } catch {
      // The extension was reloaded or removed: this script is orphaned and stops following.
      stopFollowing();
    }
  }

  chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
    if (sender.id !== chrome.runtime.id) return;
    if (message?.type === PANEL_READY_MESSAGE) {
      const reply = currentRecordMessage();
      lastSentJson = JSON.stringify(reply);
      sendResponse(reply);
    } else if (message?.type === TOGGLE_MESSAGE) {
      togglePanel();
    }
  });

  let debounceTimer = 0;
  let addressFrame = 0;
  let rereadTimers = [];
  let lastUrl = location.href;

  function schedulePublish() {
    clearTimeout(debounceTimer);
    debounceTimer = setTimeout(publishRecord, DEBOUNCE_MS);
  }

  function scheduleRereads() {
    rereadTimers.forEach(clearTimeout);
    rereadTimers = REREAD_AFTER_NAVIGATION_MS.map((delay) => setTimeout(publishRecord, delay));
  }

  function checkUrl() {
    if (location.href === lastUrl) return;
    lastUrl = location.href;
    const lastSent = lastSentJson === null ? null : JSON.parse(lastSentJson).record;
    if (lastSent?.name) {
      departed = { id: lastSent.id, name: lastSent.name, until: performance.now() + STALE_PAGE_MS };
    }
    // The new address is told to the panel at the next frame, once the page's own handler has run
    // (the panel then shows that record's data at once); the debounced read follows the page
    // until it settles.
    cancelAnimationFrame(addressFrame);
    addressFrame = requestAnimationFrame(publishRecord);
    schedulePublish();
    scheduleRereads();
  }

  const observer = new MutationObserver(() => {
    checkUrl();
    schedulePublish();
  });
  const urlPoll = setInterval(checkUrl, URL_POLL_MS);
  window.addEventListener('popstate', checkUrl);
  // history.pushState fires no event the page can hear, but the Navigation API (Chromium 102+)
  // reports every change of the current entry, pushState included; the poll stays as a fallback.
  const navigation = window.navigation;
  navigation?.addEventListener('currententrychange', checkUrl);

  function stopFollowing() {
    observer.disconnect();
    clearInterval(urlPoll);
    clearTimeout(debounceTimer);
    cancelAnimationFrame(addressFrame);
    rereadTimers.forEach(clearTimeout);
    window.removeEventListener('popstate', checkUrl);
    navigation?.removeEventListener('currententrychange', checkUrl);
  }

  observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  ensurePanel();
  publishRecord();
  scheduleRereads();
})();
