// SPDX-License-Identifier: Apache-2.0
// The extension speaks the family's language: with the browser started in Dutch, French, German
// or English, the name and description the browser shows (management.getSelf(), which reads the
// manifest's __MSG_…__ through _locales/) and every text of the options page come out in that
// language, in real Chromium (playwright-core) and real Firefox ESR (puppeteer-core over
// WebDriver BiDi). No host is needed: nothing here talks to a card.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';

import { CHROMIUM_ID, CHROMIUM_PATH, FIREFOX_ID, FIREFOX_PATH } from './support/browsers.mjs';
import { sourceDir } from './support/paths.mjs';

const LANGUAGES = ['nl', 'fr', 'de', 'en'];
// ctest runs one browser per test (SAFERCHAT_I18N_BROWSER=chromium|firefox) so both run at once.
const BROWSERS = (process.env.SAFERCHAT_I18N_BROWSER ?? 'chromium,firefox').split(',');
const extensionDir = path.resolve(process.env.SAFERCHAT_EXTENSION_DIR ?? 'build/ci/extension');
// The Firefox add-on's internal UUID, fixed so that its options page has a known address.
const FIREFOX_UUID = '3f1d5a52-8d2e-4c61-9f0e-5a1c2b3d4e5f';

function messages(language) {
  const file = path.join(sourceDir, 'extension', '_locales', language, 'messages.json');
  return Object.fromEntries(
    Object.entries(JSON.parse(fs.readFileSync(file, 'utf8'))).map(([name, { message }]) => [name, message]));
}

// What a parent sees: the language of the page, the name and description the browser shows,
// and the text of every element that carries a message.
async function whatTheOptionsPageShows() {
  const api = globalThis.browser ?? globalThis.chrome;
  for (let i = 0; i < 250 && document.body.dataset.ready !== 'yes'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const self = await api.management.getSelf();
  return {
    lang: document.documentElement.lang,
    name: self.name,
    description: self.description,
    texts: Object.fromEntries([...document.querySelectorAll('[data-i18n]')]
      .map((element) => [element.dataset.i18n, element.textContent])),
  };
}

function checkShown(shown, language) {
  const expected = messages(language);
  assert.match(shown.lang, new RegExp(`^${language}(-|$)`));
  assert.equal(shown.name, expected.extensionName);
  assert.equal(shown.description, expected.extensionDescription);
  const names = Object.keys(shown.texts);
  assert.ok(names.length >= 12, `only ${names.length} texts`);
  for (const name of names) {
    assert.equal(shown.texts[name], expected[name], name);
  }
}

describe('the extension in the browser\'s language', () => {
  let tmp;
  before(() => {
    assert.ok(fs.existsSync(path.join(extensionDir, 'chromium', 'manifest.json')), extensionDir);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'saferchat-i18n-'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  for (const language of LANGUAGES) {
    it(`Chromium in ${language}`, { skip: !BROWSERS.includes('chromium') && 'another test runs Chromium' }, async () => {
      const unpacked = path.join(extensionDir, 'chromium');
      const context = await chromium.launchPersistentContext(path.join(tmp, `chromium-${language}`), {
        executablePath: CHROMIUM_PATH,
        headless: false, // --headless=new below loads extensions
        ignoreDefaultArgs: ['--disable-extensions'],
        args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync',
          `--lang=${language}`, `--disable-extensions-except=${unpacked}`, `--load-extension=${unpacked}`],
        // Chromium on Linux takes its UI language from the environment.
        env: { ...process.env, LANGUAGE: language, LC_ALL: '', LANG: '' },
      });
      try {
        const page = await context.newPage();
        await page.goto(`chrome-extension://${CHROMIUM_ID}/options.html`);
        checkShown(await page.evaluate(whatTheOptionsPageShows), language);
      } finally {
        await context.close();
      }
    });

    it(`Firefox in ${language}`, { skip: !BROWSERS.includes('firefox') && 'another test runs Firefox' }, async () => {
      const profile = path.join(tmp, `firefox-${language}`);
      fs.mkdirSync(profile);
      const browser = await puppeteer.launch({
        browser: 'firefox',
        executablePath: FIREFOX_PATH,
        headless: true,
        userDataDir: profile,
        // WebDriver BiDi may not navigate to moz-extension:// pages; the browser's own window
        // opens the options page instead, as about:addons does (system access, tests only).
        args: ['--remote-allow-system-access'],
        extraPrefsFirefox: {
          'xpinstall.signatures.required': false,
          // The language packs of Debian's firefox-esr-l10n-* packages.
          'intl.locale.requested': language,
          'extensions.webextensions.uuids': JSON.stringify({ [FIREFOX_ID]: FIREFOX_UUID }),
        },
      });
      try {
        await browser.installExtension(path.join(extensionDir, 'firefox'));
        const bidi = browser.connection;
        const windows = await bidi.send('browsingContext.getTree', { 'moz:scope': 'chrome' });
        const url = `moz-extension://${FIREFOX_UUID}/options.html`;
        const opened = await bidi.send('script.evaluate', {
          expression: `(() => {
            gBrowser.selectedTab = gBrowser.addTab(${JSON.stringify(url)},
              { triggeringPrincipal: Services.scriptSecurityManager.getSystemPrincipal() });
            return Services.locale.appLocaleAsBCP47;
          })()`,
          target: { context: windows.result.contexts[0].context },
          awaitPromise: true,
          'moz:scope': 'chrome',
        });
        assert.equal(opened.result.result.value, language === 'en' ? 'en-US' : language);
        let tab;
        for (let i = 0; i < 100 && !tab; i++) {
          const tree = await bidi.send('browsingContext.getTree', {});
          tab = tree.result.contexts.find((context) => context.url === url);
          if (!tab) {
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        assert.ok(tab, 'the options page did not open');
        const shown = await bidi.send('script.evaluate', {
          expression: `(${whatTheOptionsPageShows.toString()})()`,
          target: { context: tab.context },
          awaitPromise: true,
          serializationOptions: { maxObjectDepth: 3 },
        });
        assert.equal(shown.result.type, 'success', JSON.stringify(shown.result));
        checkShown(fromRemote(shown.result.result), language);
      } finally {
        await browser.close();
      }
    });
  }
});

// A WebDriver BiDi remote value (object, string) as a plain value.
function fromRemote(value) {
  if (value.type === 'object') {
    return Object.fromEntries(value.value.map(([key, item]) => [key, fromRemote(item)]));
  }
  return value.value;
}
