// Demo CRM page variants: the same Lightning opportunity page as a CRM may change it, chosen by the
// query string, so the tests can show what the Lens panel reads from a changed page. This is the
// page's own script, not part of the extension; it runs before demo.js picks the record to show.
//
//   ?variant=missing-close-date  the layout has no Close Date field
//   ?variant=renamed             Amount is labelled "Deal Size"
//   ?variant=german              German labels (Phase, Betrag, Abschlussdatum, Opportunity-Inhaber, …)
//   ?variant=shadow-open         the highlights and the details render inside open shadow roots
//   ?variant=shadow-closed       … inside closed shadow roots (page scripts cannot reach them)
//   ?show=<record id>            the page shows that record's page whatever record the address names
//                                (a page that has not followed a navigation, or a mislinked page)
'use strict';

(() => {
  const params = new URLSearchParams(location.search);
  const variants = new Set(params.getAll('variant'));
  const pages = [...document.querySelectorAll('[data-record-id]')];

  const GERMAN = {
    'Opportunity Owner': 'Opportunity-Inhaber',
    'Opportunity Name': 'Opportunity-Name',
    'Account Name': 'Accountname',
    'Close Date': 'Abschlussdatum',
    'Amount': 'Betrag',
    'Expected Revenue': 'Erwarteter Umsatz',
    'Type': 'Typ',
    'Next Step': 'Nächster Schritt',
    'Lead Source': 'Lead-Quelle',
    'Stage': 'Phase',
    'Forecast Category': 'Prognosekategorie',
    'Probability (%)': 'Wahrscheinlichkeit (%)',
  };

  /** Every field of a record page: [its element, its label elements] for details and highlights. */
  function fieldsOf(page) {
    const details = [...page.querySelectorAll('[field-label]')].map((item) => ({
      item,
      label: () => item.getAttribute('field-label'),
      relabel: (text) => {
        item.setAttribute('field-label', text);
        for (const span of item.querySelectorAll('.test-id__field-label')) span.textContent = text;
      },
    }));
    const highlights = [...page.querySelectorAll('records-highlights-details-item, force-highlights-details-item')].map((item) => {
      const title = item.querySelector('p');
      return {
        item,
        label: () => title.getAttribute('title'),
        relabel: (text) => {
          title.setAttribute('title', text);
          title.textContent = text;
        },
      };
    });
    return [...details, ...highlights];
  }

  function relabel(page, names) {
    for (const field of fieldsOf(page)) {
      const renamed = names[field.label()];
      if (renamed) field.relabel(renamed);
    }
  }

  /** Moves an element's children into a shadow root of its own, as native web components render. */
  function intoShadowRoot(host, mode) {
    const shadowRoot = host.attachShadow({ mode });
    shadowRoot.append(...host.childNodes);
    // The page's stylesheet does not reach into a shadow root: link it again inside.
    const style = document.createElement('link');
    style.rel = 'stylesheet';
    style.href = '/demo/demo.css';
    shadowRoot.prepend(style);
  }

  for (const page of pages) {
    if (variants.has('missing-close-date')) {
      for (const field of fieldsOf(page)) {
        if (field.label() === 'Close Date') field.item.remove();
      }
    }
    if (variants.has('renamed')) relabel(page, { Amount: 'Deal Size' });
    if (variants.has('german')) relabel(page, GERMAN);
    for (const mode of ['open', 'closed']) {
      if (!variants.has(`shadow-${mode}`)) continue;
      for (const host of page.querySelectorAll('records-lwc-highlights-panel, records-lwc-detail-panel')) {
        intoShadowRoot(host, mode);
      }
    }
  }

  const shown = params.get('show');
  const addressed = /^\/lightning\/r\/Opportunity\/([A-Za-z0-9]{15,18})\/view/.exec(location.pathname)?.[1];
  if (shown && addressed && shown !== addressed) {
    // demo.js shows the page whose data-record-id is the address's id: give that id to the page
    // of the record to show, and the shown record's id to the page the address names, if any.
    const shownPage = pages.find((page) => page.dataset.recordId === shown);
    const addressedPage = pages.find((page) => page.dataset.recordId === addressed);
    if (shownPage) {
      if (addressedPage) addressedPage.dataset.recordId = shown;
      shownPage.dataset.recordId = addressed;
    }
  }
})();
