// The options page: the development switch allowHttpLocalhost (extension/README.md). A value
// set by policy (storage.managed) is shown and cannot be changed here.
'use strict';

(async function () {
  const api = globalThis.browser ?? globalThis.chrome;
  const box = document.getElementById('allowHttpLocalhost');
  document.getElementById('version').textContent = api.runtime.getManifest().version;

  let managed;
  try {
    managed = (await api.storage.managed.get('allowHttpLocalhost')).allowHttpLocalhost;
  } catch {
    managed = undefined; // no policy (Firefox rejects when none exists)
  }
  if (typeof managed === 'boolean') {
    box.checked = managed;
    box.disabled = true;
    document.getElementById('managed').hidden = false;
  } else {
    box.checked = (await api.storage.local.get('allowHttpLocalhost')).allowHttpLocalhost === true;
    box.addEventListener('change', () => {
      api.storage.local.set({ allowHttpLocalhost: box.checked });
    });
  }
  document.body.dataset.ready = 'yes'; // for tests: the box shows the stored value now
})();
