// The two real browsers, headless, with the built extension loaded, behind one small interface
// so that tests/browser/scenarios.mjs runs the same cases in both:
//   openPage(url) -> page with evaluate(fn, arg), waitForFunction(fn), close()
//   setDevSwitch(on)    sets allowHttpLocalhost (Chromium: the options page; Firefox: managed
//                       storage)
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

// Ticks or clears the development switch on the extension's options page.
async function setSwitchOnOptionsPage(page, on) {
  await page.waitForFunction(() => document.body.dataset.ready === 'yes');
  await page.evaluate(async (checked) => {
    const box = document.getElementById('allowHttpLocalhost');
    if (box.disabled) {
      throw new Error('allowHttpLocalhost is set by policy');
    }
    if (box.checked !== checked) {
      box.click();
    }
    const api = globalThis.browser ?? globalThis.chrome;
    // The page stores on 'change'; wait until storage holds it.
    for (let i = 0; i < 100; i++) {
      const stored = await api.storage.local.get('allowHttpLocalhost');
      if (stored.allowHttpLocalhost === checked) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('the options page did not store the switch');
  }, on);
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
  return {
    name: 'chromium',
    openPage,
    devSwitchTurnsOff: true,
    async setDevSwitch(on) {
      const page = await context.newPage();
      await page.goto(`chrome-extension://${CHROMIUM_ID}/options.html`);
      await setSwitchOnOptionsPage(page, on);
      await page.close();
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
  const id = await browser.installExtension(path.resolve(extensionDir));
  async function openPage(url) {
    const page = await browser.newPage();
    await page.goto(url);
    if (url.endsWith('/page.html')) {
      await waitReady(page);
    }
    return page;
  }
  return {
    name: 'firefox',
    openPage,
    devSwitchTurnsOff: false,
    // WebDriver BiDi may not open moz-extension:// pages, so here the switch is set the way an
    // administrator sets it: a managed storage manifest (extension/README.md), read per request.
    async setDevSwitch(on) {
      const dir = path.join(env.HOME, '.mozilla', 'managed-storage');
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${FIREFOX_ID}.json`), JSON.stringify({
        name: FIREFOX_ID,
        description: 'Safer Chat development switch (test)',
        type: 'storage',
        data: { allowHttpLocalhost: on },
      }));
    },
    // Firefox removes the add-on from the running browser; it is installed again afterwards.
    async withoutExtension(fn) {
      await browser.uninstallExtension(id);
      try {
        return await fn(openPage);
      } finally {
        await browser.installExtension(path.resolve(extensionDir));
      }
    },
    close: () => browser.close(),
  };
}
