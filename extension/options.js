// SPDX-License-Identifier: Apache-2.0
// The options page: the settings of extension/README.md. A value set by policy
// (storage.managed) is shown and cannot be changed here; the others are stored in storage.local
// when changed, which the background picks up at once (storage.onChanged).
'use strict';

// Puts each element's text in the browser's language (_locales/, default en): the message named
// by its data-i18n attribute. textContent only: messages are text, never markup.
function localize(api, doc) {
  doc.documentElement.lang = api.i18n.getUILanguage();
  for (const element of doc.querySelectorAll('[data-i18n]')) {
    const text = api.i18n.getMessage(element.dataset.i18n);
    if (text) {
      element.textContent = text;
    }
  }
}

(async function () {
  const C = globalThis.SaferChatCommon;
  const api = globalThis.browser ?? globalThis.chrome;
  localize(api, document);
  document.getElementById('version').textContent = api.runtime.getManifest().version;

  let managed = {};
  try {
    managed = await api.storage.managed.get(C.SETTING_NAMES);
  } catch {
    // No policy (Firefox rejects when none exists).
  }
  const local = await api.storage.local.get(C.SETTING_NAMES);
  // What is in force: managed, else local, else the default (invalid values count as absent).
  const current = C.effectiveSettings(managed, local);
  const fromPolicy = C.effectiveSettings(managed, {});

  for (const name of C.SETTING_NAMES) {
    const control = document.getElementById(name);
    const isBox = control.type === 'checkbox';
    if (isBox) {
      control.checked = current[name];
    } else {
      control.value = String(current[name]);
    }
    if (name in managed && managed[name] === fromPolicy[name]) {
      control.disabled = true;
      document.getElementById('managed').hidden = false;
      continue;
    }
    control.addEventListener('change', () => {
      let value;
      if (isBox) {
        value = control.checked;
      } else if (control.type === 'number') {
        value = Number(control.value);
        if (!control.checkValidity() || !Number.isInteger(value)) {
          return; // not stored: the field shows it is invalid
        }
      } else {
        value = control.value;
      }
      api.storage.local.set({ [name]: value });
    });
  }
  document.body.dataset.ready = 'yes'; // for tests: the controls show the stored values now
})();
