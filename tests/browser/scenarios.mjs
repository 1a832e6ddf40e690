// SPDX-License-Identifier: Apache-2.0
// The end-to-end cases, run in each real browser (chromium.test.mjs, firefox.test.mjs): pages
// served by the test call the page API → the built extension → the real host installed by
// installer/saferchat-install into the test's HOME → a private pcscd with the virtual Kids-ID of
// a 9-year-old (kid-9) → scripted-pinentry as the child. One browser per file; the cases run in
// order and share the browser, its warm host and the card.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CHROMIUM_ID, CHROMIUM_PATH, FIREFOX_PATH, launchChromium, launchFirefox } from './support/browsers.mjs';
import { HostLog, processAlive, waitForExit, waitForReaped } from './support/host_log.mjs';
import { installHost, uninstallHost } from './support/install.mjs';
import { clickOutcome, clickToRun } from './support/click.mjs';
import { isolatedBrowser } from './support/isolation.mjs';
import { buildPaths } from './support/paths.mjs';
import { cardControl, startPcscEnv } from './support/pcsc_env.mjs';
import { startSaferchatd } from './support/saferchatd.mjs';
import { newNonce, openSealed, signatureValid } from './support/token.mjs';
import { startWebServer } from './support/web_server.mjs';

const PROFILE = 'kid-9';
const SWAPPED_PROFILE = 'teen-14';
const VERSION1_HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'version1_host.cjs');
const RECORDING_HOST = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support', 'recording_host.cjs');

// Runs `fn(arg)` in the page as a child's click on its button would (the page's tab brought to
// the front first): the page API then sees a user gesture (docs/protocol.md §8.5). Resolves
// with what fn resolved with.
async function callInPage(page, fn, arg) {
  await clickToStart(page, fn, arg);
  return clickOutcome(page);
}
// callInPage's click, without waiting for fn's outcome; clickOutcome(page) waits for it.
let lastClickAt = 0;
async function clickToStart(page, fn, arg) {
  await clickToRun(page, fn, arg);
  lastClickAt = Date.now();
}
// Waits until the last click is no gesture any more (the browsers' transient activation, 5 s).
async function gestureOver() {
  await sleep(Math.max(0, lastClickAt + 5500 - Date.now()));
}
// The same without any gesture: a script of the page calling on its own.
function callWithoutGesture(page, fn, arg) {
  return page.evaluate(fn, arg);
}
function authenticateInPage(page, nonce, options = {}) {
  return callInPage(page, ({ nonce, options }) =>
    SaferChat.authenticate(nonce, options).then(
      (token) => ({ token }),
      (error) => ({ code: error.code, isSaferChatError: error instanceof SaferChat.SaferChatError }),
    ), { nonce, options });
}
function statusInPage(page) {
  return callInPage(page, () => SaferChat.status());
}

// Runs in the page: posts a raw request (bypassing the page API's own checks) and resolves with
// the first reply for `id`, or null when none comes within `waitMs`.
function rawRequestInPage(page, message, waitMs = 60000) {
  return callInPage(page, ({ message, waitMs }) => new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), waitMs);
    window.addEventListener('message', (event) => {
      if (event.source === window && event.data && event.data.type === 'saferchat:reply' &&
        event.data.id === message.id) {
        clearTimeout(timer);
        resolve(event.data);
      }
    });
    window.postMessage(message, window.location.origin);
  }), { message, waitMs });
}

// Starts authenticate() in the page without waiting; its outcome is window.pendingOutcome.
function startAuthenticateInPage(page, nonce, options) {
  return callInPage(page, ({ nonce, options }) => {
    window.pendingOutcome = SaferChat.authenticate(nonce, options).then(
      (token) => ({ token }), (error) => ({ code: error.code }));
  }, { nonce, options });
}

// The card file holds the certificate followed by zero padding: the DER element alone
// (X.690 §8.1.3 definite length, short or long form).
function firstDerElement(bytes) {
  const first = bytes[1];
  if (first < 0x80) {
    return bytes.subarray(0, 2 + first);
  }
  const count = first & 0x7f;
  const length = bytes.subarray(2, 2 + count).reduce((n, b) => n * 256 + b, 0);
  return bytes.subarray(0, 2 + count + length);
}

function cardOf(testCards, profile) {
  const dir = path.join(testCards, 'cards', profile);
  return {
    dir,
    certificate: firstDerElement(fs.readFileSync(path.join(dir, 'auth_cert.der'))),
    ...(({ pin, holder }) => ({ pin, holder }))(JSON.parse(fs.readFileSync(path.join(dir, 'profile.json'), 'utf8'))),
  };
}

// What a page must never see of the child (the virtual card's profile): the certificate (as
// base64, base64url and hex), the names, the national number, the birth date.
function secretsOf(card) {
  const { given_names: givenNames, surname, national_number: nationalNumber, birth_date: birthDate } = card.holder;
  return [card.certificate.toString('base64'), card.certificate.toString('base64url'),
    card.certificate.toString('hex'), givenNames, ...givenNames.split(' '), surname, nationalNumber,
    birthDate];
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// What status() says to a page before the child acts (docs/protocol.md §8.5).
const PARENT_PIN = 'parent-2468';
const QUIET_STATUS = Object.freeze({
  extension: { present: true, version: '0.1.0' },
  host: { present: null, version: null, error: 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED' },
});

export function browserSuite(browserName) {
  describe(`${browserName}: page API → extension → host → card`, () => {
    let paths;
    let tmp;
    let home;
    let chromiumUserDataDir;
    let pcsc;
    let web;
    let browser;
    let page; // the chat page on https://localhost:P, reopened by some cases
    let kid;
    let teen;
    let pinentryScript;
    let pinentryLog;
    let hostLog;
    let hostVersion;
    let hostProtocol;
    let hostRecord; // what support/recording_host.cjs saw, one JSON line per message
    let env; // the browser's environment (the host inherits it)

    const install = (host = paths.host) => installHost(paths.installer, {
      host, home, browser: browserName, chromiumUserDataDir,
    });
    const setChild = (lines) => {
      fs.writeFileSync(pinentryScript, lines.join('\n') + '\n');
      fs.writeFileSync(pinentryLog, '');
    };
    // The PIN dialogs (scripted-pinentry processes) started since the last setChild.
    const dialogPids = () => fs.readFileSync(pinentryLog, 'utf8').split('\n').filter(Boolean)
      .map((line) => JSON.parse(line)).filter((entry) => entry.event === 'start').map((entry) => entry.pid);
    // Waits until `count` PIN dialogs (since the last setChild) have asked for the PIN.
    const pinRequests = () => fs.readFileSync(pinentryLog, 'utf8').split('\n').filter(Boolean)
      .map((line) => JSON.parse(line)).filter((entry) => entry.command === 'GETPIN' && !('action' in entry)).length;
    const waitForDialog = async (count = 1) => {
      for (let i = 0; i < 300 && pinRequests() < count; i++) {
        await sleep(100);
      }
      assert.ok(pinRequests() >= count, 'the PIN dialog asks');
    };
    const openChatPage = (origin = web.https) => browser.openPage(`${origin}/page.html`);
    const reopenMainPage = async () => {
      await page?.close();
      page = await openChatPage();
    };
    // Firefox installs the add-on again to change settings: pages opened before lose it.
    const setSettings = async (values) => {
      await browser.setSettings(values);
      if (browser.reloadsOnSettings) {
        await reopenMainPage();
      }
    };
    // The one host process running now for this browser (the warm host), from the log.
    const runningHosts = () => [...new Set(hostLog.starts())].filter(processAlive);
    const warmHostPid = () => {
      const running = runningHosts();
      assert.equal(running.length, 1, `one host runs (${running.join(', ')})`);
      return running[0];
    };

    before(async () => {
      paths = buildPaths();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), `saferchat-${browserName}-`));
      home = path.join(tmp, 'home');
      chromiumUserDataDir = path.join(tmp, 'chromium-profile');
      fs.mkdirSync(home);
      fs.mkdirSync(chromiumUserDataDir);
      kid = cardOf(paths.testCards, PROFILE);
      teen = cardOf(paths.testCards, SWAPPED_PROFILE);
      // "saferchat-host 0.1.0 (native messaging protocol 2)"
      const versionLine = execFileSync(paths.host, ['--version'], { encoding: 'utf8' });
      [, hostVersion, hostProtocol] = versionLine.match(/^saferchat-host (\S+) \(native messaging protocol (\d+)\)/);
      hostProtocol = Number(hostProtocol);
      pinentryScript = path.join(tmp, 'pinentry-script');
      pinentryLog = path.join(tmp, 'pinentry-log');
      fs.writeFileSync(pinentryLog, '');
      hostLog = new HostLog(path.join(tmp, 'host.log'));
      hostRecord = path.join(tmp, 'host-messages.jsonl');
      fs.writeFileSync(hostRecord, '');

      pcsc = await startPcscEnv(paths.pcscEnv, kid.dir);
      web = await startWebServer(tmp, path.join(paths.extension, 'page-api'));
      install();
      env = {
        ...process.env,
        HOME: home,
        ...pcsc.env,
        SAFERCHAT_PINENTRY: paths.scriptedPinentry,
        SCRIPTED_PINENTRY_SCRIPT: pinentryScript,
        SCRIPTED_PINENTRY_LOG: pinentryLog,
        SAFERCHAT_LOG_LEVEL: 'debug',
        SAFERCHAT_LOG_FILE: hostLog.file,
        // The host accepts http://localhost here, so that the extension alone decides (§3.5).
        SAFERCHAT_ALLOW_HTTP_LOCALHOST: '1',
        // For the stand-ins in front of the real host (support/version1_host.cjs,
        // support/recording_host.cjs).
        SAFERCHAT_TEST_REAL_HOST: paths.host,
        SAFERCHAT_TEST_RECORD: hostRecord,
      };
      // Only the host the test installs is found, whatever is installed system-wide.
      const executablePath = isolatedBrowser(tmp, browserName === 'firefox' ? FIREFOX_PATH : CHROMIUM_PATH);
      browser = browserName === 'firefox'
        ? await launchFirefox({ extensionDir: path.join(paths.extension, 'firefox'),
          profileDir: path.join(tmp, 'firefox-profile'), env, executablePath })
        : await launchChromium({ extensionDir: path.join(paths.extension, 'chromium'),
          userDataDir: chromiumUserDataDir, env, executablePath });
      page = await openChatPage();
    });

    after(async () => {
      await browser?.close();
      await web?.close();
      await pcsc?.stop();
      if (tmp && !process.env.SAFERCHAT_KEEP_TEST_FILES) {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('without a gesture: status() tells only that the extension is there, authenticate() is refused, no host starts', async () => {
      setChild([`pin ${kid.pin}`]);
      assert.deepEqual(await callWithoutGesture(page, () => SaferChat.status()), QUIET_STATUS);
      assert.deepEqual(await callWithoutGesture(page, () => SaferChatModule.status()), QUIET_STATUS);
      // A script of the page forging a click and a key press: untrusted events are no gesture
      // (and in Chromium the test's own evaluate even gives the page a transient activation).
      const outcome = await callWithoutGesture(page, (nonce) => {
        const button = document.getElementById('act');
        for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup']) {
          button.dispatchEvent(new MouseEvent(type, { bubbles: true }));
        }
        document.body.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
        button.click();
        return SaferChat.authenticate(nonce, { timeout: 60 }).then(() => 'resolved', (e) => e.code);
      }, newNonce());
      assert.equal(outcome, 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED');
      assert.deepEqual(hostLog.starts(), [], 'no host started');
      assert.deepEqual(dialogPids(), []);
    });

    it('status() reports the extension and the installed host, and opens the warm port', async () => {
      const status = await statusInPage(page);
      assert.deepEqual(status.extension, { present: true, version: '0.1.0' });
      assert.equal(status.host.present, true);
      assert.equal(status.host.version, hostVersion);
      assert.equal(status.host.protocolVersion, hostProtocol);
      assert.equal(status.host.pcsc.reachable, true);
      assert.equal(status.host.pcsc.readerCount, 1); // one reader with one card: no empty slot
      // The ES module build gives the same answer as the plain script, from the same host.
      assert.deepEqual(await callInPage(page, () => SaferChatModule.status()), status);
      assert.equal(hostLog.starts().length, 1);
      assert.deepEqual(runningHosts(), hostLog.starts(), 'the host keeps running');
    });

    it('authenticate() returns a token from the card, bound to the page origin, in 5 APDUs', async () => {
      setChild([`pin ${kid.pin}`]);
      const warm = warmHostPid();
      const before = hostLog.size();
      const nonce = newNonce();
      const { token, code } = await authenticateInPage(page, nonce, { lang: 'nl', timeout: 60 });
      assert.equal(code, undefined);
      assert.deepEqual(Object.keys(token).sort(),
        ['algorithm', 'appVersion', 'format', 'signature', 'unverifiedCertificate']);
      assert.equal(token.format, 'web-eid:1.0');
      assert.equal(token.algorithm, 'ES384');
      assert.equal(token.appVersion, `https://saferchat.be/host/${hostVersion}`);
      assert.deepEqual(Buffer.from(token.unverifiedCertificate, 'base64'), kid.certificate);
      assert.equal(Buffer.from(token.signature, 'base64').length, 96); // P-384 r ‖ s
      assert.equal(signatureValid(token, web.https, nonce), true);
      assert.equal(signatureValid(token, web.httpsOther, nonce), false);
      assert.equal(signatureValid(token, web.https, newNonce()), false);
      // The PIN dialog named the page's site, in the language asked for.
      const shown = fs.readFileSync(pinentryLog, 'utf8');
      assert.match(shown, /localhost/);
      assert.match(shown, /pincode|PIN-code|PIN/i);
      // The warm host served it with the card it read when it started: VERIFY, MSE SET, PSO,
      // GET RESPONSE, LOG OFF (docs/protocol.md §3.6).
      assert.deepEqual(hostLog.starts(before), []);
      assert.deepEqual(await hostLog.loginsOnceThere(before, 1), [
        { pid: warm, apdus: 5, readAhead: true },
      ]);
    });

    it('one click opens one dialog: a second authenticate() on the same gesture is refused', async () => {
      setChild([`pin ${kid.pin}`]);
      const before = hostLog.size();
      const outcome = await callInPage(page, async (nonces) => {
        const codes = [];
        for (const nonce of nonces) {
          codes.push(await SaferChat.authenticate(nonce, { timeout: 60 }).then(() => 'token', (e) => e.code));
        }
        return codes;
      }, [newNonce(), newNonce()]);
      assert.deepEqual(outcome, ['token', 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED']);
      assert.equal(dialogPids().length, 1);
      assert.deepEqual(hostLog.requests(before).map((r) => r.command), ['authenticate']);
    });

    it('an origin written by the page is ignored: the token is bound to the real origin', async () => {
      setChild([`pin ${kid.pin}`]);
      const nonce = newNonce();
      const forged = 'https://chat.example';
      const reply = await rawRequestInPage(page, {
        type: 'saferchat:request',
        id: 'forged-origin',
        command: 'authenticate',
        origin: forged,
        sender: { origin: forged, url: `${forged}/` },
        arguments: { challengeNonce: nonce, origin: forged, timeout: 60 },
      });
      assert.equal(reply.error, undefined);
      assert.equal(signatureValid(reply.result, web.https, nonce), true);
      assert.equal(signatureValid(reply.result, forged, nonce), false);
    });

    it('a frame of another origin can neither ask nor answer for the page', async () => {
      setChild([`pin ${kid.pin}`]);
      const nonce = newNonce();
      const outcome = await callInPage(page, async ({ frameUrl, nonce }) => {
        const frame = document.createElement('iframe');
        frame.src = frameUrl;
        await new Promise((resolve) => {
          frame.onload = resolve;
          document.body.append(frame);
        });
        const seen = [];
        const watch = (event) => {
          if (event.data && event.data.id === 'from-frame') {
            seen.push(event.data.type);
          }
          // The frame answers every request of the page at once, with a forged token.
          if (event.source === window && event.data && event.data.type === 'saferchat:request' &&
            event.data.id !== 'from-frame') {
            const forge = { type: 'saferchat:reply', id: event.data.id, result: { forged: true } };
            frame.contentWindow.postMessage({ forge: { type: 'saferchat:ack', id: event.data.id } }, '*');
            frame.contentWindow.postMessage({ forge }, '*');
          }
        };
        window.addEventListener('message', watch);
        // 1. The frame asks through the page's window: the content script must not relay it.
        frame.contentWindow.postMessage({ forge: { type: 'saferchat:request', id: 'from-frame',
          command: 'status', arguments: {} } }, '*');
        // 2. The page asks; the frame's forged answer must not be taken.
        const token = await SaferChat.authenticate(nonce, { timeout: 60 });
        await new Promise((resolve) => setTimeout(resolve, 500));
        window.removeEventListener('message', watch);
        frame.remove();
        return { token, seen };
      }, { frameUrl: `${web.httpsOther}/frame.html`, nonce });
      assert.deepEqual(outcome.seen, ['saferchat:request']); // no ack, no reply
      assert.equal(outcome.token.forged, undefined);
      assert.equal(signatureValid(outcome.token, web.https, nonce), true);
    });

    it('a page in a frame gets ERR_SAFERCHAT_FRAME_NOT_SUPPORTED at once, from status() and authenticate()', async () => {
      const before = hostLog.size();
      const outcome = await callInPage(page, async ({ frameUrl, nonce }) => {
        const frame = document.createElement('iframe');
        frame.src = frameUrl;
        await new Promise((resolve) => {
          frame.onload = resolve;
          document.body.append(frame);
        });
        const api = frame.contentWindow.SaferChat;
        const codes = await Promise.all([
          api.status().then(() => 'resolved', (e) => [e.code, e instanceof api.SaferChatError]),
          api.authenticate(nonce, { timeout: 60 }).then(() => 'resolved', (e) => e.code),
        ]);
        frame.remove();
        return codes;
      }, { frameUrl: `${web.https}/page.html`, nonce: newNonce() });
      assert.deepEqual(outcome, [['ERR_SAFERCHAT_FRAME_NOT_SUPPORTED', true],
        'ERR_SAFERCHAT_FRAME_NOT_SUPPORTED']);
      assert.deepEqual(hostLog.requests(before), []);
    });

    it('the child cancelling the PIN dialog gives ERR_SAFERCHAT_USER_CANCELLED; the site waits before it may ask again', async () => {
      setChild(['cancel']);
      const outcome = await authenticateInPage(page, newNonce(), { timeout: 60 });
      assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_USER_CANCELLED', isSaferChatError: true });
      // Asked again at once, even with a new click: refused without a dialog (5 s back-off).
      const before = hostLog.size();
      setChild([`pin ${kid.pin}`]);
      const again = await authenticateInPage(page, newNonce(), { timeout: 60 });
      assert.deepEqual(again, { code: 'ERR_SAFERCHAT_RETRY_LATER', isSaferChatError: true });
      assert.deepEqual(dialogPids(), []);
      assert.deepEqual(hostLog.requests(before), []);
      // After the wait, a click opens the dialog again.
      await sleep(5200);
      const nonce = newNonce();
      const later = await authenticateInPage(page, nonce, { timeout: 60 });
      assert.equal(signatureValid(later.token, web.https, nonce), true);
      assert.equal(dialogPids().length, 1);
    });

    it('a page in a background tab, or sent to the background after the click, gets ERR_SAFERCHAT_PAGE_NOT_ACTIVE without a dialog', async () => {
      setChild([`pin ${kid.pin}`]);
      const before = hostLog.size();
      const hidden = await browser.openBackgroundPage(`${web.httpsOther}/page.html`);
      try {
        // (Playwright keeps every Chromium page 'visible' and focused; there the background's
        // look at the tab, tabs.get, is what refuses.)
        const outcome = await callWithoutGesture(hidden, (nonce) => SaferChat.authenticate(nonce, { timeout: 60 })
          .then(() => 'resolved', (e) => e.code), newNonce());
        assert.equal(outcome, 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE');
        // status() says only that the extension is there: the page knows it is hidden (Firefox);
        // in Chromium, Playwright's page claims to be visible and focused, so it only knows that
        // it has no gesture.
        assert.deepEqual(await callWithoutGesture(hidden, () => SaferChat.status()), {
          extension: QUIET_STATUS.extension,
          host: { ...QUIET_STATUS.host, error: browserName === 'firefox'
            ? 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE' : 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED' },
        });
      } finally {
        await hidden.close();
      }
      // Clicked, then another tab comes to the front before the page asks.
      await clickToStart(page, async (nonce) => {
        await new Promise((resolve) => { window.release = resolve; });
        return SaferChat.authenticate(nonce, { timeout: 60 }).then(() => 'resolved', (e) => e.code);
      }, newNonce());
      const front = await openChatPage(web.httpsOther);
      try {
        await front.bringToFront();
        await callWithoutGesture(page, () => window.release());
        assert.equal(await clickOutcome(page), 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE');
      } finally {
        await front.close();
      }
      assert.deepEqual(dialogPids(), []);
      assert.deepEqual(hostLog.requests(before), []);
    });

    it('a second request while one is pending gives ERR_SAFERCHAT_REQUEST_PENDING', async () => {
      setChild([`wait 1500 pin ${kid.pin}`]);
      const first = newNonce();
      const outcome = await callInPage(page, async (nonce) => {
        const firstCall = SaferChat.authenticate(nonce, { timeout: 60 });
        const second = await SaferChat.authenticate(nonce, { timeout: 60 }).then(
          () => 'resolved', (error) => error.code);
        const afterFirst = await SaferChat.status().then(() => 'resolved', (error) => error.code);
        return { token: await firstCall, second, afterFirst };
      }, first);
      assert.equal(outcome.second, 'ERR_SAFERCHAT_REQUEST_PENDING');
      assert.equal(outcome.afterFirst, 'ERR_SAFERCHAT_REQUEST_PENDING');
      assert.equal(signatureValid(outcome.token, web.https, first), true);
      // Once the first is done, the tab may ask again.
      const status = await statusInPage(page);
      assert.equal(status.host.present, true);
    });

    it('malformed requests are refused by the extension with stable codes', async () => {
      const base = { type: 'saferchat:request', command: 'authenticate' };
      const cases = [
        [{ id: 'a1', arguments: { challengeNonce: 'too-short' } }, 'ERR_SAFERCHAT_INVALID_CHALLENGE'],
        [{ id: 'a2', arguments: { challengeNonce: `${'A'.repeat(43)}*` } }, 'ERR_SAFERCHAT_INVALID_CHALLENGE'],
        [{ id: 'a3', arguments: { challengeNonce: 42 } }, 'ERR_SAFERCHAT_INVALID_ARGUMENT'],
        [{ id: 'a4', arguments: { challengeNonce: newNonce(), timeout: 'soon' } }, 'ERR_SAFERCHAT_INVALID_ARGUMENT'],
        [{ id: 'a5', arguments: { challengeNonce: newNonce(), timeout: 601 } }, 'ERR_SAFERCHAT_INVALID_ARGUMENT'],
        [{ id: 'a6', arguments: { challengeNonce: newNonce(), lang: 'nl"; drop' } }, 'ERR_SAFERCHAT_INVALID_ARGUMENT'],
        [{ id: 'a7', arguments: [] }, 'ERR_SAFERCHAT_INVALID_ARGUMENT'],
        [{ id: 'a8', command: 'get-certificate', arguments: {} }, 'ERR_SAFERCHAT_INVALID_ARGUMENT'],
      ];
      const before = hostLog.size();
      for (const [fields, code] of cases) {
        const reply = await rawRequestInPage(page, { ...base, ...fields });
        assert.equal(reply?.error?.code, code, JSON.stringify(fields));
      }
      // The page API checks the same before it asks.
      const local = await callInPage(page, () => Promise.all([
        SaferChat.authenticate('short').catch((e) => e.code),
        SaferChat.authenticate(42).catch((e) => e.code),
        SaferChat.authenticate('A'.repeat(44), { timeout: 0 }).catch((e) => e.code),
        // Unknown options (a typo of lang, of timeout) are refused, not ignored.
        SaferChat.authenticate('A'.repeat(44), { language: 'nl' }).catch((e) => [e.code, e.message]),
        SaferChat.authenticate('A'.repeat(44), { lang: 'nl', timeOut: 30 }).catch((e) => e.code),
      ]));
      assert.deepEqual(local, ['ERR_SAFERCHAT_INVALID_CHALLENGE', 'ERR_SAFERCHAT_INVALID_ARGUMENT',
        'ERR_SAFERCHAT_INVALID_ARGUMENT',
        ['ERR_SAFERCHAT_INVALID_ARGUMENT', 'unknown option "language" (known: lang, timeout)'],
        'ERR_SAFERCHAT_INVALID_ARGUMENT']);
      // None of them reached a host.
      assert.deepEqual(hostLog.starts(before), []);
      assert.deepEqual(hostLog.requests(before), []);
    });

    it('two tabs of two origins: each gets its own token from one host; no dialog follows another site\'s without a new click', async () => {
      setChild([`wait 1500 pin ${kid.pin}`]);
      const warm = warmHostPid();
      const before = hostLog.size();
      const other = await openChatPage(web.httpsOther);
      try {
        const tabs = [[page, web.https], [other, web.httpsOther]];
        // One after the other, each on its own click.
        for (const [tab, origin] of tabs) {
          const nonce = newNonce();
          const { token } = await authenticateInPage(tab, nonce, { timeout: 60 });
          assert.equal(signatureValid(token, origin, nonce), true, origin);
          assert.equal(signatureValid(token, tabs.find(([t]) => t !== tab)[1], nonce), false, origin);
        }
        const login = (n) => SaferChat.authenticate(n, { timeout: 60 })
          .then((token) => ({ token }), (e) => ({ code: e.code }));
        // At the same time: while the first site's dialog is open, the second site is refused
        // at once, without a dialog (no queue behind another site's dialog).
        let nonce = newNonce();
        await clickToStart(page, login, nonce);
        await waitForDialog(3);
        assert.deepEqual(await callInPage(other, login, newNonce()), { code: 'ERR_SAFERCHAT_ANOTHER_SITE_ASKING' });
        assert.equal(signatureValid((await clickOutcome(page)).token, web.https, nonce), true);
        // Right after: the second site's click came during the first login; it asks once that
        // login is over, on that click (still a transient activation): refused without a dialog.
        nonce = newNonce();
        await clickToStart(page, login, nonce);
        await waitForDialog(4);
        await clickToStart(other, async (n) => {
          await new Promise((resolve) => { window.release = resolve; });
          const stillActive = navigator.userActivation.isActive;
          return { stillActive, ...(await SaferChat.authenticate(n, { timeout: 60 })
            .then((token) => ({ token }), (e) => ({ code: e.code }))) };
        }, newNonce());
        assert.equal(signatureValid((await clickOutcome(page)).token, web.https, nonce), true);
        await callWithoutGesture(other, () => window.release());
        assert.deepEqual(await clickOutcome(other), { stillActive: true, code: 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED' });
        // A new click on the second site: its own dialog, its own token.
        nonce = newNonce();
        assert.equal(signatureValid((await authenticateInPage(other, nonce, { timeout: 60 })).token, web.httpsOther, nonce), true);
        assert.equal(dialogPids().length, 5);
        assert.deepEqual(hostLog.starts(before), [], 'no other host started');
        const logins = await hostLog.loginsOnceThere(before, 5);
        assert.deepEqual(logins, Array(5).fill({ pid: warm, apdus: 5, readAhead: true }));
      } finally {
        await other.close();
      }
      assert.equal(processAlive(warm), true, 'the host stays for the page still open');
    });

    it('a page that leaves during its request is cancelled at the host, which stays', async () => {
      setChild(['hang']);
      const warm = warmHostPid();
      const leaving = await openChatPage(web.httpsOther);
      const before = hostLog.size();
      await startAuthenticateInPage(leaving, newNonce(), { timeout: 120 });
      await waitForDialog();
      const [dialog] = dialogPids();
      await leaving.close();
      // The background sent `cancel` (docs/protocol.md §3.7): the request ended, its dialog closed.
      await hostLog.waitFor('the cancelled request', (log) => log.requests(before).some((r) =>
        r.command === 'authenticate' && r.result === 'ERR_SAFERCHAT_REQUEST_CANCELLED'));
      assert.deepEqual(hostLog.requests(before).map((r) => [r.pid, r.command, r.result]).sort(), [
        [warm, 'authenticate', 'ERR_SAFERCHAT_REQUEST_CANCELLED'],
        [warm, 'cancel', 'OK'],
      ]);
      assert.equal(await waitForExit(dialog, 10000), true, 'the PIN dialog closed');
      assert.equal(processAlive(warm), true);
      // The other page goes on with the same host.
      setChild([`pin ${kid.pin}`]);
      const nonce = newNonce();
      const { token } = await authenticateInPage(page, nonce, { timeout: 60 });
      assert.equal(signatureValid(token, web.https, nonce), true);
      assert.deepEqual(hostLog.starts(before), []);
    });

    it('a host that dies fails its request with ERR_SAFERCHAT_HOST_FAILED; the next request starts a new one', async () => {
      // Killed during a request: the page learns it at once.
      setChild(['hang']);
      const first = warmHostPid();
      await startAuthenticateInPage(page, newNonce(), { timeout: 120 });
      await waitForDialog();
      const [dialog] = dialogPids();
      process.kill(first, 'SIGKILL');
      assert.deepEqual(await callWithoutGesture(page, () => window.pendingOutcome), { code: 'ERR_SAFERCHAT_HOST_FAILED' });
      try {
        process.kill(dialog, 'SIGKILL'); // the dead host's dialog (scripted: it would wait forever)
      } catch {
        // Gone already.
      }
      // After that failure, the next request starts a new host, which stays.
      setChild([`pin ${kid.pin}`]);
      const nonce = newNonce();
      const afterKill = await authenticateInPage(page, nonce, { timeout: 60 });
      assert.equal(afterKill.code, undefined);
      assert.equal(signatureValid(afterKill.token, web.https, nonce), true);
      const second = warmHostPid();
      assert.notEqual(second, first);
      // Killed between requests: the next request works, on a new host. (The browser learns of
      // the end a moment after it: a `version` that met the dead host is asked again of a new
      // one; an authenticate sent in that moment would fail as one in flight.)
      process.kill(second, 'SIGKILL');
      assert.equal(await waitForReaped(second, 5000), true);
      const before = hostLog.size();
      const status = await statusInPage(page);
      assert.equal(status.host.present, true);
      assert.equal(status.host.protocolVersion, hostProtocol);
      const again = newNonce();
      assert.equal(signatureValid((await authenticateInPage(page, again, { timeout: 60 })).token, web.https, again), true);
      const [third] = hostLog.starts(before);
      assert.ok(third !== undefined && third !== second, 'a new host');
      assert.equal(warmHostPid(), third);
      assert.deepEqual(hostLog.requests(before).map((r) => [r.pid, r.command, r.result]),
        [[third, 'version', 'OK'], [third, 'authenticate', 'OK']]);
    });

    it('a background stopped by the browser takes its host along; the next request starts clean', async (t) => {
      if (!browser.stopBackground) {
        t.skip('Firefox: the event page cannot be suspended from the test (its restart on reinstall is covered by the settings cases)');
        return;
      }
      const warm = warmHostPid();
      await browser.stopBackground(page);
      // The native port closes with the service worker: the host's input ends.
      assert.equal(await waitForExit(warm, 10000), true, 'the host ends with the background');
      const before = hostLog.size();
      setChild([`pin ${kid.pin}`]);
      const nonce = newNonce();
      const { token } = await authenticateInPage(page, nonce, { timeout: 60 });
      assert.equal(signatureValid(token, web.https, nonce), true);
      const [fresh] = hostLog.starts(before);
      assert.ok(fresh !== undefined && fresh !== warm, 'a new host');
      assert.equal(warmHostPid(), fresh);
    });

    it('the wait after Stop outlives a background the browser stopped', async (t) => {
      if (!browser.stopBackground) {
        t.skip('Firefox: the event page cannot be suspended from the test');
        return;
      }
      setChild(['cancel']);
      assert.equal((await authenticateInPage(page, newNonce(), { timeout: 60 })).code, 'ERR_SAFERCHAT_USER_CANCELLED');
      const warm = warmHostPid();
      await browser.stopBackground(page);
      assert.equal(await waitForExit(warm, 10000), true, 'the host ends with the background');
      // A new background (started by the page's next request) still makes the site wait.
      const before = hostLog.size();
      setChild([`pin ${kid.pin}`]);
      assert.equal((await authenticateInPage(page, newNonce(), { timeout: 60 })).code, 'ERR_SAFERCHAT_RETRY_LATER');
      assert.deepEqual(hostLog.starts(before), []);
      assert.deepEqual(dialogPids(), []);
      await sleep(5200);
      const nonce = newNonce();
      assert.equal(signatureValid((await authenticateInPage(page, nonce, { timeout: 60 })).token, web.https, nonce), true);
    });

    it('a card swapped for another between two logins: the second token carries the new card', async () => {
      const warm = warmHostPid();
      const before = hostLog.size();
      try {
        assert.equal(await cardControl(pcsc.control, `swap ${teen.dir}`), 'ok swapped');
        // The warm host reads the new card when it comes (docs/protocol.md §3.6).
        await hostLog.waitFor('the new card read ahead', (log) => log.readAheads(before).length > 0);
        setChild([`pin ${teen.pin}`]);
        const nonce = newNonce();
        const { token, code } = await authenticateInPage(page, nonce, { timeout: 60 });
        assert.equal(code, undefined);
        assert.deepEqual(Buffer.from(token.unverifiedCertificate, 'base64'), teen.certificate);
        assert.equal(token.algorithm, 'RS256'); // applet 1.7, RSA-2048
        assert.equal(signatureValid(token, web.https, nonce), true);
        assert.deepEqual(await hostLog.loginsOnceThere(before, 1), [
          { pid: warm, apdus: 5, readAhead: true },
        ]);
        assert.deepEqual(hostLog.starts(before), []);
      } finally {
        const back = hostLog.size();
        assert.equal(await cardControl(pcsc.control, `swap ${kid.dir}`), 'ok swapped');
        await hostLog.waitFor('the first card read again', (log) => log.readAheads(back).length > 0);
      }
      setChild([`pin ${kid.pin}`]);
      const nonce = newNonce();
      const { token } = await authenticateInPage(page, nonce, { timeout: 60 });
      assert.deepEqual(Buffer.from(token.unverifiedCertificate, 'base64'), kid.certificate);
      assert.equal(signatureValid(token, web.https, nonce), true);
    });

    it('a card that cannot log in: a page learns nothing without a gesture, and with one a code that does not say which card', async () => {
      const noAuth = path.join(paths.testCards, 'cards', 'kid-5-no-auth');
      const seen = (log, offset) => log.records(offset).some((r) =>
        r.message.startsWith('card read ahead ') || r.message.startsWith('card not read ahead'));
      const before = hostLog.size();
      try {
        // Taken out long enough for pcscd's poll to see it (a swap between two Kids-IDs of the
        // same ATR may go unseen), then the card of a 5-year-old put in.
        assert.equal(await cardControl(pcsc.control, 'remove'), 'ok removed');
        await sleep(1500);
        assert.equal(await cardControl(pcsc.control, `swap ${noAuth}`), 'ok swapped');
        await hostLog.waitFor('the new card looked at', (log) => seen(log, before));
        setChild([`pin ${kid.pin}`]);
        await gestureOver();
        assert.deepEqual(await callWithoutGesture(page, () => SaferChat.status()), QUIET_STATUS);
        const quiet = await callWithoutGesture(page, (n) => SaferChat.authenticate(n, { timeout: 60 })
          .then(() => 'resolved', (e) => e.code), newNonce());
        assert.equal(quiet, 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED');
        assert.deepEqual(hostLog.requests(before), [], 'the host was not asked');
        const outcome = await authenticateInPage(page, newNonce(), { timeout: 60 });
        assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_CARD_NOT_USABLE', isSaferChatError: true });
        // The host's own reason, which the extension keeps from the page.
        assert.deepEqual(hostLog.requests(before).map((r) => [r.command, r.result]),
          [['authenticate', 'ERR_SAFERCHAT_NO_AUTH_CERTIFICATE']]);
      } finally {
        const back = hostLog.size();
        assert.equal(await cardControl(pcsc.control, `swap ${kid.dir}`), 'ok swapped');
        await hostLog.waitFor('the first card read again', (log) => log.readAheads(back).length > 0);
      }
    });

    it('a site outside the parents\' list never opens the dialog nor starts the host; a listed site logs in', async () => {
      const setAllowedSites = async (origins) => {
        await browser.setAllowedSites(origins, PARENT_PIN);
        if (browser.reloadsOnSettings) {
          await reopenMainPage();
        }
      };
      setChild([`pin ${kid.pin}`]);
      await setAllowedSites([web.httpsOther]);
      const before = hostLog.size();
      const refused = await authenticateInPage(page, newNonce(), { timeout: 60 });
      assert.deepEqual(refused, { code: 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED', isSaferChatError: true });
      assert.deepEqual(await statusInPage(page), {
        extension: QUIET_STATUS.extension,
        host: { ...QUIET_STATUS.host, error: 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED' },
      });
      assert.deepEqual(hostLog.starts(before), [], 'no host started');
      assert.deepEqual(hostLog.requests(before), [], 'no host asked');
      assert.deepEqual(dialogPids(), []);
      // The listed site logs in as before.
      const listed = await openChatPage(web.httpsOther);
      try {
        const nonce = newNonce();
        const { token, code } = await authenticateInPage(listed, nonce, { timeout: 60 });
        assert.equal(code, undefined);
        assert.equal(signatureValid(token, web.httpsOther, nonce), true);
      } finally {
        await listed.close();
      }
      if (browser.openOptionsPage) {
        // The options page: a wrong parent PIN changes nothing; the PIN itself is not stored,
        // only its PBKDF2-SHA-256 hash with a random salt.
        const options = await browser.openOptionsPage();
        try {
          await options.fill('#parentPin', 'not-the-pin');
          await options.fill('#newSite', web.https);
          await options.click('#addSite');
          await options.waitForFunction(() => document.getElementById('sitesMessage').textContent.includes('not the parent PIN'), null, { timeout: 60000 });
          const stored = await options.evaluate(() => chrome.storage.local.get(null));
          assert.deepEqual(stored.allowedSites, [web.httpsOther]);
          assert.deepEqual(Object.keys(stored.parentPin).sort(), ['hash', 'iterations', 'kdf', 'salt']);
          assert.equal(JSON.stringify(stored).includes(PARENT_PIN), false);
          const expected = crypto.pbkdf2Sync(PARENT_PIN, Buffer.from(stored.parentPin.salt, 'base64'),
            stored.parentPin.iterations, 32, 'sha256').toString('base64');
          assert.equal(stored.parentPin.hash, expected);
          assert.equal(stored.parentPin.iterations, 600000);
        } finally {
          await options.close();
        }
      }
      // No list any more: every https site may ask again.
      await setAllowedSites([]);
      const nonce = newNonce();
      const { token } = await authenticateInPage(page, nonce, { timeout: 60 });
      assert.equal(signatureValid(token, web.https, nonce), true);
    });

    // Firefox reads its managed storage when the add-on starts: the case above already asks right
    // after that (the add-on installed again). Chromium's first storage.managed read after the
    // browser starts takes seconds, and status() without a gesture does not wait for it.
    it('a policy in force when the browser starts: the first requests follow it, a page learns only that the extension is there', async (t) => {
      if (browserName !== 'chromium') {
        t.skip('Chromium only: Firefox is covered by the case above');
        return;
      }
      const userDataDir = path.join(tmp, 'chromium-policy-profile');
      fs.mkdirSync(userDataDir);
      installHost(paths.installer, { host: paths.host, home, browser: 'chromium', chromiumUserDataDir: userDataDir });
      const executablePath = isolatedBrowser(tmp, CHROMIUM_PATH, {
        name: 'isolated-chromium-with-policy',
        chromiumPolicy: { '3rdparty': { extensions: { [CHROMIUM_ID]: { allowedSites: [web.httpsOther] } } } },
      });
      setChild([`pin ${kid.pin}`]);
      const before = hostLog.size();
      const started = await launchChromium({ extensionDir: path.join(paths.extension, 'chromium'), userDataDir,
        env, executablePath });
      try {
        const first = await started.openPage(`${web.https}/page.html`);
        assert.deepEqual(await callWithoutGesture(first, () => SaferChat.status()), QUIET_STATUS);
        const refused = await authenticateInPage(first, newNonce(), { timeout: 60 });
        assert.deepEqual(refused, { code: 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED', isSaferChatError: true });
        assert.deepEqual(await statusInPage(first), {
          extension: QUIET_STATUS.extension,
          host: { ...QUIET_STATUS.host, error: 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED' },
        });
        assert.deepEqual(hostLog.starts(before), [], 'no host started');
        assert.deepEqual(dialogPids(), []);
        // The listed site reaches the host.
        const listed = await started.openPage(`${web.httpsOther}/page.html`);
        assert.equal((await statusInPage(listed)).host.present, true);
      } finally {
        await started.close();
      }
    });

    it('insecure pages are refused with ERR_SAFERCHAT_INSECURE_CONTEXT', async () => {
      for (const origin of [web.httpOther, web.http]) {
        const insecure = await openChatPage(origin);
        try {
          const outcome = await authenticateInPage(insecure, newNonce());
          assert.equal(outcome.code, 'ERR_SAFERCHAT_INSECURE_CONTEXT', origin);
          const status = await callInPage(insecure, () => SaferChat.status().catch((e) => e.code));
          assert.equal(status, 'ERR_SAFERCHAT_INSECURE_CONTEXT', origin);
        } finally {
          await insecure.close();
        }
      }
    });

    it('the development switch lets http://localhost ask, bound to that origin', async () => {
      setChild([`pin ${kid.pin}`]);
      await setSettings({ allowHttpLocalhost: true });
      let local = await openChatPage(web.http);
      try {
        const nonce = newNonce();
        const { token, code } = await authenticateInPage(local, nonce, { timeout: 60 });
        assert.equal(code, undefined);
        assert.equal(signatureValid(token, web.http, nonce), true);
        await setSettings({ allowHttpLocalhost: false });
        if (browser.reloadsOnSettings) {
          await local.close();
          local = await openChatPage(web.http);
        }
        const refused = await authenticateInPage(local, newNonce());
        assert.equal(refused.code, 'ERR_SAFERCHAT_INSECURE_CONTEXT');
      } finally {
        await local.close();
      }
    });

    it('the per-request setting starts one host per request', async () => {
      setChild([`pin ${kid.pin}`]);
      assert.equal((await statusInPage(page)).host.present, true);
      const warm = warmHostPid();
      await setSettings({ connectionMode: 'per-request' });
      // The idle warm host is let go at once.
      assert.equal(await waitForExit(warm, 10000), true, 'the warm host ends');
      const before = hostLog.size();
      assert.equal((await statusInPage(page)).host.present, true);
      for (let i = 0; i < 2; i++) {
        const nonce = newNonce();
        const { token } = await authenticateInPage(page, nonce, { timeout: 60 });
        assert.equal(signatureValid(token, web.https, nonce), true);
      }
      const started = hostLog.starts(before);
      assert.equal(started.length, 3);
      assert.equal(new Set(started).size, 3);
      assert.deepEqual(hostLog.requests(before).map((r) => [r.pid, r.command]),
        [[started[0], 'version'], [started[1], 'authenticate'], [started[2], 'authenticate']]);
      for (const pid of started) {
        assert.equal(await waitForExit(pid, 10000), true, `host ${pid} ends after its request`);
      }
    });

    it('the warm host ends after the idle timeout', async () => {
      await setSettings({ connectionMode: 'warm', idleTimeoutSeconds: 2 });
      const before = hostLog.size();
      assert.equal((await statusInPage(page)).host.present, true);
      const [warm] = hostLog.starts(before);
      assert.equal(processAlive(warm), true);
      // Idle for 2 s: the extension closes the port, the host's input ends, it exits.
      assert.equal(await waitForExit(warm, 15000), true, 'the idle host ends');
      assert.ok(hostLog.records(before).some((r) => r.pid === warm && r.message === 'input closed, exiting'));
      // The page still works: the next request starts a new host.
      setChild([`pin ${kid.pin}`]);
      const nonce = newNonce();
      assert.equal(signatureValid((await authenticateInPage(page, nonce, { timeout: 60 })).token, web.https, nonce), true);
      const started = hostLog.starts(before);
      assert.equal(started.length, 2);
      await setSettings({ idleTimeoutSeconds: 300 });
    });

    it('a host of protocol version 1 gets one process per request', async () => {
      install(VERSION1_HOST);
      try {
        // No page that used Safer Chat left: the warm host ends, and the next one is asked anew.
        await page.close();
        page = await openChatPage();
        const before = hostLog.size();
        const status = await statusInPage(page);
        assert.equal(status.host.protocolVersion, 1);
        setChild([`pin ${kid.pin}`]);
        for (let i = 0; i < 2; i++) {
          const nonce = newNonce();
          const { token } = await authenticateInPage(page, nonce, { timeout: 60 });
          assert.equal(signatureValid(token, web.https, nonce), true);
        }
        // The first host answered only its ready message; then one host per request.
        const started = hostLog.starts(before);
        assert.equal(started.length, 4);
        assert.deepEqual(hostLog.requests(before).map((r) => [r.pid, r.command]),
          [[started[1], 'version'], [started[2], 'authenticate'], [started[3], 'authenticate']]);
        for (const pid of started) {
          assert.equal(await waitForExit(pid, 10000), true);
        }
      } finally {
        install();
        await reopenMainPage();
      }
    });

    it('sealing: the extension fetches the site\'s seal key itself and passes it to the host; a hostile page script cannot hand it one; the result reaches the page as the host gave it', async () => {
      install(RECORDING_HOST);
      const recorded = () => fs.readFileSync(hostRecord, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line));
      const sealedPage = `${web.httpsSealed}/page.html?hostile`;
      let hostile = null;
      let plain = null;
      try {
        // No page that used Safer Chat left: the warm host ends; the next one is the recorder.
        await page.close();
        page = null;
        fs.writeFileSync(hostRecord, '');
        hostile = await browser.openPage(sealedPage);
        setChild([`pin ${kid.pin}`]);
        const nonces = [newNonce(), newNonce()];
        const outcomes = [];
        for (const nonce of nonces) {
          outcomes.push(await authenticateInPage(hostile, nonce, { timeout: 60 }));
        }
        const { set, current, attacker } = web.sealKeys;
        const expectedKey = { kty: 'EC', crv: 'P-256', x: current.x, y: current.y, kid: 'seal-2' };
        const toHost = recorded().filter((r) => r.to === 'host' && r.message.command === 'authenticate');
        assert.equal(toHost.length, 2);
        for (const [i, { message }] of toHost.entries()) {
          // The current key of the set the site published (the first for encryption), exactly;
          // nothing of the hostile script's, which the extension dropped with the page's fields.
          assert.deepEqual(message.arguments.sealKey, expectedKey);
          assert.deepEqual(Object.keys(message.arguments).sort(),
            ['challengeNonce', 'origin', 'sealKey', 'timeout']);
          assert.equal(message.arguments.origin, web.httpsSealed);
          assert.equal(message.arguments.challengeNonce, nonces[i]);
          assert.equal(JSON.stringify(message).includes(attacker.x), false);
          // The page got exactly what the host answered (sealed, with the host that seals).
          const reply = recorded().find((r) => r.to === 'browser' && r.message.id === message.id);
          assert.ok(reply, 'the host answered');
          assert.equal(outcomes[i].code, undefined);
          assert.deepEqual(outcomes[i].token, reply.message.result);
        }
        // The key came from the site, fetched by the extension: once (cached for its max-age),
        // without the page's cookie or a referrer; the hostile script's hooks never saw it.
        assert.equal(web.sealKeyRequests.length, 1);
        const [keyRequest] = web.sealKeyRequests;
        assert.equal(keyRequest.method, 'GET');
        assert.equal(keyRequest.headers.cookie, undefined);
        assert.equal(keyRequest.headers.referer, undefined);
        const seen = await callWithoutGesture(hostile, () => window.hostile);
        assert.equal(seen.keyRequests, 0);
        assert.deepEqual(seen.fetches, []);
        // All the page's scripts could see of the login is the result the host gave.
        assert.deepEqual(seen.results, outcomes.map((o) => o.token));
        const replies = seen.messages.filter((m) => m.type === 'saferchat:reply' && 'result' in m);
        assert.deepEqual(replies.map((m) => m.result), outcomes.map((o) => o.token));
        // Its key through the page API's options, and as a request of its own: refused.
        assert.deepEqual(seen.optionRefusals, nonces.map(() => 'ERR_SAFERCHAT_INVALID_ARGUMENT'));
        assert.equal(seen.messages.find((m) => m.type === 'saferchat:reply' && m.id === 'hostile-seal-key')
          ?.error?.code, 'ERR_SAFERCHAT_INVALID_ARGUMENT');
        assert.equal(set.keys.some((key) => 'd' in key), false, 'public keys only (test fixture)');
        // A site that publishes no key (404): no sealKey for it.
        plain = await openChatPage(web.https);
        const nonce = newNonce();
        const { token } = await authenticateInPage(plain, nonce, { timeout: 60 });
        assert.equal(signatureValid(token, web.https, nonce), true);
        const last = recorded().filter((r) => r.to === 'host' && r.message.command === 'authenticate').at(-1);
        assert.equal(last.message.arguments.origin, web.https);
        assert.equal('sealKey' in last.message.arguments, false);
      } finally {
        await hostile?.close();
        await plain?.close();
        install();
        page = await openChatPage();
      }
    });

    it('sealing with the real host: a hostile page script sees only {format, kid, jwe}, nothing of the child, and its own key opens nothing; the site\'s saferchatd admits the child with pseudonym and age', async (t) => {
      if (paths.saferchatd === null) {
        t.skip('saferchatd is not built');
        return;
      }
      const { privateKeys, attackerPrivateKey, current, previous } = web.sealKeys;
      const service = await startSaferchatd({
        binary: paths.saferchatd, testCards: paths.testCards, dir: path.join(tmp, 'saferchatd'),
        origin: web.httpsSealed,
        sealKeys: [{ kid: 'seal-2', privateKey: privateKeys['seal-2'] }, { kid: 'seal-1', privateKey: privateKeys['seal-1'] }],
      });
      let hostile = null;
      try {
        // The service publishes the keys the site serves at its own origin (it copied them).
        const published = await service.get('/.well-known/saferchat-seal-key');
        assert.deepEqual(published.json.keys.map(({ kid, x, y }) => ({ kid, x, y })),
          [current, previous].map(({ kid, x, y }) => ({ kid, x, y })));
        // The real host installed (not a stand-in); the hostile script loads before the page API.
        hostile = await browser.openPage(`${web.httpsSealed}/page.html?hostile`);
        setChild([`pin ${kid.pin}`]);
        const challenge = await service.post('/v1/challenge', {});
        assert.equal(challenge.status, 200);
        const { challengeNonce } = challenge.json;
        const { token: sealed, code } = await authenticateInPage(hostile, challengeNonce, { timeout: 60 });
        assert.equal(code, undefined);
        assert.deepEqual(Object.keys(sealed).sort(), ['format', 'jwe', 'kid']);
        assert.equal(sealed.format, 'saferchat-sealed:1');
        assert.equal(sealed.kid, 'seal-2');
        // All the hostile script recorded (fetches, window messages, the page API's results, its
        // refused attempts) and what it can read of the page: the sealed result, nothing of the
        // child.
        const seen = await callWithoutGesture(hostile, () => window.hostile);
        assert.deepEqual(seen.results, [sealed]);
        assert.deepEqual(seen.optionRefusals, ['ERR_SAFERCHAT_INVALID_ARGUMENT']);
        assert.deepEqual(seen.fetches, []);
        assert.deepEqual(seen.messages.filter((m) => 'result' in m).map((m) => m.result), [sealed]);
        const page = await callWithoutGesture(hostile, () => ({
          html: document.documentElement.outerHTML, storage: { ...localStorage }, cookie: document.cookie,
        }));
        const recorded = JSON.stringify({ seen, page });
        for (const secret of secretsOf(kid)) {
          assert.equal(recorded.includes(secret), false, `the hostile script saw ${secret}`);
        }
        // Its own key opens nothing, nor does the site's previous key; the site's current key
        // does (so the failures above are no accident of the format): the card's token, bound to
        // the site's origin and the service's challenge.
        assert.throws(() => openSealed(sealed.jwe, attackerPrivateKey), /unable to authenticate|auth/i);
        assert.throws(() => openSealed(sealed.jwe, privateKeys['seal-1']), /unable to authenticate|auth/i);
        const opened = openSealed(sealed.jwe, privateKeys['seal-2']);
        assert.deepEqual({ ...opened.header, epk: undefined },
          { alg: 'ECDH-ES', enc: 'A256GCM', kid: 'seal-2', cty: 'web-eid:1.0', epk: undefined });
        assert.equal(opened.token.format, 'web-eid:1.0');
        assert.deepEqual(Buffer.from(opened.token.unverifiedCertificate, 'base64'), kid.certificate);
        assert.equal(signatureValid(opened.token, web.httpsSealed, challengeNonce), true);
        // The provider's backend posts the page's result unchanged: admitted, with the age and
        // the pseudonym (names only as the service's configuration reveals them; never the birth
        // date or national number here).
        const request = { token: sealed, challengeNonce, origin: web.httpsSealed, room: 'kids-6-11' };
        const verdict = await service.post('/v1/verify', request);
        assert.equal(verdict.status, 200);
        assert.equal(verdict.json.verdict, 'accepted', JSON.stringify(verdict.json));
        // A sealed token's verdict holds at most the first name besides (docs/verifier.md §6).
        const { firstName, ...holder } = verdict.json.holder;
        assert.deepEqual(Object.keys(holder).sort(), ['age', 'pseudonym']);
        assert.equal(holder.age, kid.holder.age);
        assert.match(holder.pseudonym, /^[A-Za-z0-9_-]{43}$/);
        assert.ok(firstName === undefined || firstName === kid.holder.given_names.split(' ')[0], firstName);
        // The same sealed token again: refused, without the holder.
        const replay = await service.post('/v1/verify', request);
        assert.equal(replay.json.verdict, 'rejected');
        assert.equal(replay.json.holder, undefined);
      } finally {
        await hostile?.close();
        await service.close();
      }
    });

    it('the warm host ends when no page that used Safer Chat is left', async () => {
      const other = await openChatPage(web.httpsOther);
      const before = hostLog.size();
      await statusInPage(page);
      await statusInPage(other);
      const [warm] = hostLog.starts(before);
      assert.deepEqual(hostLog.starts(before), [warm], 'both pages share one host');
      const bystander = await openChatPage(web.https); // never asks: does not keep the host
      await other.close();
      await sleep(500);
      assert.equal(processAlive(warm), true, 'one page that used it is still open');
      await page.close();
      page = null;
      assert.equal(await waitForExit(warm, 10000), true, 'the host ends with the last page');
      await bystander.close();
      page = await openChatPage();
    });

    it('without the host installed: status() says so, authenticate() gives ERR_SAFERCHAT_HOST_MISSING', async () => {
      assert.deepEqual(runningHosts(), []);
      uninstallHost(paths.installer, { home, browser: browserName, chromiumUserDataDir });
      try {
        const status = await statusInPage(page);
        assert.deepEqual(status, {
          extension: { present: true, version: '0.1.0' },
          host: { present: false, version: null, error: 'ERR_SAFERCHAT_HOST_MISSING' },
        });
        const outcome = await authenticateInPage(page, newNonce());
        assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_HOST_MISSING', isSaferChatError: true });
      } finally {
        install();
      }
      const status = await statusInPage(page);
      assert.equal(status.host.present, true);
    });

    it('without the extension: status() says so, authenticate() gives ERR_SAFERCHAT_EXTENSION_MISSING', async () => {
      await browser.withoutExtension(async (openPage) => {
        const bare = await openPage(`${web.https}/page.html`);
        const status = await statusInPage(bare);
        assert.deepEqual(status, {
          extension: { present: false, version: null },
          host: { present: false, version: null, error: 'ERR_SAFERCHAT_EXTENSION_MISSING' },
        });
        const outcome = await authenticateInPage(bare, newNonce());
        assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_EXTENSION_MISSING', isSaferChatError: true });
        await bare.close();
      });
      if (browser.reloadsOnSettings) {
        await reopenMainPage(); // Firefox installed the add-on again
      }
    });

    // Last: the slow card may keep pcscd busy for a while after it.
    it('a host that does not answer in time gives ERR_SAFERCHAT_TIMEOUT; the request is cancelled at the host', async () => {
      setChild([`pin ${kid.pin}`]);
      assert.equal((await statusInPage(page)).host.present, true);
      const warm = warmHostPid();
      const before = hostLog.size();
      // Every APDU now takes 15 s: the host's first card command outlasts the request's
      // timeout (1 s) plus the extension's margin.
      assert.match(await cardControl(pcsc.control, 'delay 15000'), /^ok/);
      try {
        const outcome = await authenticateInPage(page, newNonce(), { timeout: 1 });
        assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_TIMEOUT', isSaferChatError: true });
      } finally {
        assert.match(await cardControl(pcsc.control, 'delay 0'), /^ok/);
      }
      // The extension cancelled it at the host instead of disconnecting: the host stays.
      await hostLog.waitFor('the cancel', (log) => log.requests(before).some((r) => r.command === 'cancel'));
      assert.deepEqual(hostLog.requests(before).filter((r) => r.command === 'cancel'),
        [{ pid: warm, command: 'cancel', result: 'OK' }]);
      assert.equal(processAlive(warm), true);
    });
  });
}
