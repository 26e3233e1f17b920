// Lens service worker: relays the toolbar button and the keyboard shortcut to the tab's content
// script, which shows or hides the panel. It holds no data and makes no requests.
'use strict';

const TOGGLE_MESSAGE = { type: 'lens:toggle' };

function togglePanelIn(tab) {
  if (!tab || tab.id === undefined) return;
  // A tab without the content script (not a CRM page) has no receiver; nothing to toggle there.
  chrome.tabs.sendMessage(tab.id, TOGGLE_MESSAGE).catch(() => {});
}

chrome.commands.onCommand.addListener((command, tab) => {
  if (command === 'toggle-panel') togglePanelIn(tab);
});

chrome.action.onClicked.addListener(togglePanelIn);
