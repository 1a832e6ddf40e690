// SPDX-License-Identifier: Apache-2.0
// The two real browsers, headless, with the built extension loaded, behind one small interface
// so that tests/browser/scenarios.mjs runs the same cases in both:
//   openPage(url) -> page with evaluate(fn, arg), waitForFunction(fn), click(selector),
//                       bringToFront(), close()
//   openBackgroundPage(url) -> the same, in a tab opened behind the others (not visible)
//   setSettings(values) sets extension settings such as allowHttpLocalhost, connectionMode,
//                       idleTimeoutSeconds (Chromium: the options page; Firefox: managed storage,
//                       then the add-on is installed again: pages opened before lose it)
//   setAllowedSites(origins, parentPin) sets the list of sites that may ask (docs/parents.md)
//                       (Chromium: the options page, behind the parent PIN, set first if
//                       needed; Firefox: managed storage, then the add-on is installed again);
//                       an empty list removes it
//   openOptionsPage()   the extension's options page (Chromium; null in Firefox)
//   reloadsOnSettings   true when setSettings reinstalls the extension (Firefox)
//   stopBackground(page) stops the extension's background as the browser does when it is idle
//                       (Chromium; null in Firefox)
//   withoutExtension(fn) runs fn(openPage) in a browser where the extension is absent
//   close()
// How each is driven headless is explained in tests/browser/README.md.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

export const CHROMIUM_ID = 'nmgdeinpncakphdmdpndhifioncieboe';
export const FIREFOX_ID = 'saferchat@saferchat.be';

const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--ignore-certificate-errors',
];

async function waitReady(page) {
  await page.waitForFunction(() => document.documentElement.dataset.ready === 'yes');
}

// Sets settings (extension/README.md) on the extension's options page, as a person would, and
// waits until storage.local holds them.
async function setOnOptionsPage(page, values) {
  await page.waitForFunction(() => document.body.dataset.ready === 'yes');
  await page.evaluate(async (wanted) => {
    for (const [name, value] of Object.entries(wanted)) {
      const control = document.getElementById(name);
      if (control.disabled) {
        throw new Error(`${name} is set by policy`);
      }
      if (control.type === 'checkbox') {
        if (control.checked !== value) {
          control.click();
        }
      } else {
        control.value = String(value);
        control.dispatchEvent(new Event('change'));
      }
    }
    const api = globalThis.browser ?? globalThis.chrome;
    // The page stores on 'change'; wait until storage holds it.
    for (let i = 0; i < 100; i++) {
      const stored = await api.storage.local.get(Object.keys(wanted));
      if (Object.entries(wanted).every(([name, value]) => stored[name] === value)) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the options page did not store the settings');
  }, values);
}

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

// executablePath: the browser, or a wrapper that starts it (support/isolation.mjs).
export async function launchChromium({ extensionDir, userDataDir, env, executablePath = CHROMIUM_PATH }) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: false, // the new headless mode, through --headless=new, loads extensions
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
    env,
  });
  async function openPage(url, browserContext = context) {
    const page = await browserContext.newPage();
    await page.goto(url);
    if (url.endsWith('/page.html')) {
      await waitReady(page);
    }
    return page;
  }
  async function openOptionsPage() {
    const page = await context.newPage();
    await page.goto(`chrome-extension://${CHROMIUM_ID}/options.html`);
    await page.waitForFunction(() => document.getElementById('sites').dataset.ready === 'yes');
    return page;
  }
  // A tab opened in the background (Chrome DevTools Protocol Target.createTarget, background).
  async function openBackgroundPage(url) {
    const opener = context.pages()[0] ?? await context.newPage();
    const cdp = await context.newCDPSession(opener);
    try {
      const opened = context.waitForEvent('page', (page) => page.url() === url);
      await cdp.send('Target.createTarget', { url, background: true });
      const page = await opened;
      await page.waitForLoadState();
      await waitReady(page);
      return page;
    } finally {
      await cdp.detach();
    }
  }
  return {
    name: 'chromium',
    openPage,
    openBackgroundPage,
    reloadsOnSettings: false,
    // Stops the extension's service worker, as Chromium does when it has been idle (Chrome
    // DevTools Protocol, ServiceWorker.stopAllWorkers, through a page of the same profile).
    async stopBackground(page) {
      const cdp = await context.newCDPSession(page);
      try {
        await cdp.send('ServiceWorker.enable');
        await cdp.send('ServiceWorker.stopAllWorkers');
      } finally {
        await cdp.detach();
      }
    },
    async setSettings(values) {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${CHROMIUM_ID}/options.html`);
      await setOnOptionsPage(page, values);
      await page.close();
      // The background takes them on storage.onChanged; a test's next request must see them.
      // Test-only look inside: `settings` is background.js's promise of the settings in force.
      const worker = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${CHROMIUM_ID}/`));
      await worker?.evaluate(async (wanted) => {
        for (let i = 0; i < 250; i++) {
          const current = await settings; // background.js's global
          if (Object.entries(wanted).every(([name, value]) => current[name] === value)) {
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error('the background did not take the new settings');
      }, values);
    },
    openOptionsPage,
    // The parent's way: the options page, the parent PIN, one site at a time.
    async setAllowedSites(origins, parentPin) {
      const page = await openOptionsPage();
      try {
        if (await page.isVisible('#pinNew')) {
          await page.fill('#newParentPin', parentPin);
          await page.fill('#newParentPinAgain', parentPin);
          await page.click('#setParentPin');
          await page.waitForSelector('#pinAsk', { state: 'visible' });
        }
        await page.fill('#parentPin', parentPin);
        const listed = () => page.$$eval('#sitesList li', (items) => items.map((item) => item.dataset.origin));
        for (const origin of await listed()) {
          if (!origins.includes(origin)) {
            await page.click(`#sitesList li[data-origin="${origin}"] button`);
            await page.waitForSelector(`#sitesList li[data-origin="${origin}"]`, { state: 'detached', timeout: 60000 });
          }
        }
        for (const origin of origins) {
          if (!(await listed()).includes(origin)) {
            await page.fill('#newSite', origin);
            await page.click('#addSite');
            await page.waitForSelector(`#sitesList li[data-origin="${origin}"]`, { timeout: 60000 });
          }
        }
      } finally {
        await page.close();
      }
      // Test-only look inside: `siteList` is background.js's promise of the list in force.
      const worker = context.serviceWorkers().find((w) => w.url().startsWith(`chrome-extension://${CHROMIUM_ID}/`));
      await worker?.evaluate(async (wanted) => {
        for (let i = 0; i < 250; i++) {
          const current = await siteList; // background.js's global
          const now = current === null ? [] : current.origins;
          if (JSON.stringify(now) === JSON.stringify(wanted)) {
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        throw new Error('the background did not take the new list');
      }, origins);
    },
    async withoutExtension(fn) {
      const plain = await chromium.launch({
        executablePath,
        headless: false,
        args: CHROMIUM_ARGS,
        env,
      });
      try {
        const plainContext = await plain.newContext();
        return await fn((url) => openPage(url, plainContext));
      } finally {
        await plain.close();
      }
    },
    close: () => context.close(),
  };
}

export async function launchFirefox({ extensionDir, profileDir, env, executablePath = FIREFOX_PATH }) {
  fs.mkdirSync(profileDir, { recursive: true });
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    acceptInsecureCerts: true,
    userDataDir: profileDir,
    env,
    extraPrefsFirefox: {
      'xpinstall.signatures.required': false,
      // Plain http pages stay plain http (no https upgrade attempts against the test servers).
      'dom.security.https_first': false,
      'dom.security.https_first_pbm': false,
    },
  });
  let id = await browser.installExtension(path.resolve(extensionDir));
  async function openPage(url) {
    const page = await browser.newPage();
    await page.goto(url);
    if (url.endsWith('/page.html')) {
      await waitReady(page);
    }
    return page;
  }
  async function openBackgroundPage(url) {
    const page = await browser.newPage({ background: true });
    await page.goto(url);
    await waitReady(page);
    return page;
  }
  return {
    name: 'firefox',
    openPage,
    openBackgroundPage,
    reloadsOnSettings: true,
    stopBackground: null, // no way to suspend the event page from WebDriver BiDi
    // WebDriver BiDi may not open moz-extension:// pages, so here settings are set the way an
    // administrator sets them: a managed storage manifest (extension/README.md). Firefox reads it
    // once per run of the add-on, so the add-on is installed again to read it.
    async setSettings(values) {
      const dir = path.join(env.HOME, '.mozilla', 'managed-storage');
      const file = path.join(dir, `${FIREFOX_ID}.json`);
      fs.mkdirSync(dir, { recursive: true });
      const data = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')).data : {};
      fs.writeFileSync(file, JSON.stringify({
        name: FIREFOX_ID,
        description: 'Safer Chat settings (test)',
        type: 'storage',
        data: { ...data, ...values },
      }));
      await browser.uninstallExtension(id);
      id = await browser.installExtension(path.resolve(extensionDir));
    },
    openOptionsPage: null,
    // The administrator's way (managed storage); [] removes the list.
    async setAllowedSites(origins) {
      await this.setSettings({ allowedSites: origins });
    },
    // Firefox removes the add-on from the running browser; it is installed again afterwards.
    async withoutExtension(fn) {
      await browser.uninstallExtension(id);
      try {
        return await fn(openPage);
      } finally {
        id = await browser.installExtension(path.resolve(extensionDir));
      }
    },
    close: () => browser.close(),
  };
}
