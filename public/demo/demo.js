// Demo CRM page behaviour: show the record page whose id is in the URL, and move between records
// without reloading (history.pushState), keeping the other record's page in the DOM but hidden,
// as Salesforce Lightning does. This is the page's own script, not part of the extension.
'use strict';

const RECORD_PATH = /^\/lightning\/r\/Opportunity\/([A-Za-z0-9]{15,18})\/view/;

function showRecordOfUrl() {
  const match = RECORD_PATH.exec(location.pathname);
  const id = match ? match[1] : null;
  for (const page of document.querySelectorAll('one-record-home-flexipage2')) {
    const isShown = page.dataset.recordId === id;
    page.hidden = !isShown;
    if (isShown) {
      const name = page.querySelector('lightning-formatted-text[slot="primaryField"]').textContent;
      document.title = `${name} | Opportunity | Salesforce`;
    }
  }
}

document.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-record-link]');
  if (!link) return;
  event.preventDefault();
  history.pushState(null, '', link.href);
  showRecordOfUrl();
});
window.addEventListener('popstate', showRecordOfUrl);
showRecordOfUrl();
