// SPDX-License-Identifier: Apache-2.0
// The options page's list of chat sites that may ask (docs/parents.md). A list set by policy
// (storage.managed) is shown and cannot be changed here. Otherwise a parent keeps the list in
// storage.local behind a parent PIN: the page stores only its PBKDF2 hash (common.js
// newParentPinRecord), and asks for the PIN for every change.
'use strict';

(async function () {
  const C = globalThis.SaferChatCommon;
  const api = globalThis.browser ?? globalThis.chrome;
  const $ = (id) => document.getElementById(id);
  const say = (message) => {
    $('sitesMessage').textContent = message;
  };
  // The page's texts in the browser's language (_locales/).
  const text = (name) => api.i18n.getMessage(name);

  async function managedList() {
    try {
      return await api.storage.managed.get(C.SITE_LIST_KEY);
    } catch {
      return {}; // no policy (Firefox rejects when none exists)
    }
  }

  async function show() {
    const managed = await managedList();
    const local = await api.storage.local.get([C.SITE_LIST_KEY, C.PARENT_PIN_KEY]);
    const list = C.effectiveSiteList(managed, local);
    const byPolicy = list !== null && list.from === 'policy';
    const pinSet = C.isParentPinRecord(local[C.PARENT_PIN_KEY]);
    $('sitesNone').hidden = list !== null;
    $('sitesSome').hidden = list === null;
    $('sitesPolicy').hidden = !byPolicy;
    $('sitesEdit').hidden = byPolicy;
    $('pinNew').hidden = pinSet;
    $('pinAsk').hidden = !pinSet;
    const items = (list === null ? [] : list.origins).map((origin) => {
      const item = document.createElement('li');
      item.textContent = origin + ' ';
      item.dataset.origin = origin;
      if (!byPolicy && pinSet) {
        const remove = document.createElement('button');
        remove.textContent = text('sitesRemove');
        remove.addEventListener('click', () => change((origins) => origins.filter((o) => o !== origin)));
        item.append(remove);
      }
      return item;
    });
    $('sitesList').replaceChildren(...items);
  }

  // Applies `edit` to the parent's list once the parent PIN typed matches the stored hash.
  async function change(edit) {
    const local = await api.storage.local.get([C.SITE_LIST_KEY, C.PARENT_PIN_KEY]);
    if (!(await C.parentPinMatches(local[C.PARENT_PIN_KEY], $('parentPin').value))) {
      say(text('sitesWrongPin'));
      return;
    }
    const current = C.effectiveSiteList({}, local);
    const origins = edit(current === null ? [] : current.origins);
    if (origins === null) {
      return;
    }
    if (origins.length === 0) {
      await api.storage.local.remove(C.SITE_LIST_KEY); // no list: every https site may ask
    } else {
      await api.storage.local.set({ [C.SITE_LIST_KEY]: origins });
    }
    say(text('sitesSaved'));
    await show();
  }

  $('setParentPin').addEventListener('click', async () => {
    const pin = $('newParentPin').value;
    if (pin !== $('newParentPinAgain').value) {
      say(text('sitesPinsDiffer'));
      return;
    }
    if (!C.validParentPin(pin)) {
      say(text('sitesPinLength'));
      return;
    }
    const existing = await api.storage.local.get(C.PARENT_PIN_KEY);
    if (C.isParentPinRecord(existing[C.PARENT_PIN_KEY])) {
      say(text('sitesPinAlreadySet'));
      return;
    }
    await api.storage.local.set({ [C.PARENT_PIN_KEY]: await C.newParentPinRecord(pin) });
    $('newParentPin').value = '';
    $('newParentPinAgain').value = '';
    say(text('sitesPinSet'));
    await show();
  });

  $('addSite').addEventListener('click', () => change((origins) => {
    const origin = C.siteOrigin($('newSite').value);
    if (origin === null) {
      say(text('sitesBadSite'));
      return null;
    }
    $('newSite').value = '';
    return origins.includes(origin) ? origins : [...origins, origin];
  }));

  await show();
  $('sites').dataset.ready = 'yes'; // for tests
})();
