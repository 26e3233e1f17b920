// Demo CRM page behaviour: show the record page whose id is in the URL, and move between records
// without reloading (history.pushState), keeping the other record's page in the DOM but hidden,
// as Salesforce Lightning does (data/formats/FORMATS.md 5.4). This is the page's own script, not
// part of the extension; the Lightning, HubSpot and Dynamics 365 demo pages share it.
//
// Each record's page is an element with `data-record-id` (and `data-page-title`); links that move
// between records carry `data-record-link`. `?render-delay=<ms>` on the first address makes the
// page show the next record that long after its address changes, as a CRM that fetches the
// record first does.
'use strict';

const RENDER_DELAY_MS = Number(new URLSearchParams(location.search).get('render-delay') ?? 0);

/** The record id in the URL, in whichever CRM's shape this page imitates. */
function recordIdOfUrl() {
  const lightning = /^\/lightning\/r\/Opportunity\/([A-Za-z0-9]{15,18})\/view/.exec(location.pathname);
  if (lightning) return lightning[1];
  const hubspot = /^\/contacts\/\d+\/record\/0-3\/(\d+)/.exec(location.pathname);
  if (hubspot) return hubspot[1];
  if (/\/main\.aspx$/i.test(location.pathname)) {
    return (new URLSearchParams(location.search).get('id') ?? '').replace(/[{}]/g, '').toLowerCase();
  }
  return null;
}

function showRecordOfUrl() {
  const id = recordIdOfUrl();
  for (const page of document.querySelectorAll('[data-record-id]')) {
    const isShown = page.dataset.recordId === id;
    page.hidden = !isShown;
    if (isShown && page.dataset.pageTitle) document.title = page.dataset.pageTitle;
  }
  for (const link of document.querySelectorAll('a[data-record-link]')) {
    const isCurrent = link.dataset.recordLink === id;
    if (isCurrent) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-record-link]');
  if (!link) return;
  event.preventDefault();
  if (link.href === location.href) return;
  history.pushState(null, '', link.href);
  if (RENDER_DELAY_MS > 0) setTimeout(showRecordOfUrl, RENDER_DELAY_MS);
  else showRecordOfUrl();
});
window.addEventListener('popstate', showRecordOfUrl);
showRecordOfUrl();
