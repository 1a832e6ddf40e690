// The end-to-end cases, run in each real browser (chromium.test.mjs, firefox.test.mjs): a page
// served by the test calls the page API → the built extension → the real host installed by
// installer/saferchat-install into the test's HOME → a private pcscd with the virtual Kids-ID of
// a 9-year-old (kid-9) → scripted-pinentry as the child. One browser per file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { CHROMIUM_PATH, FIREFOX_PATH, launchChromium, launchFirefox } from './support/browsers.mjs';
import { installHost, uninstallHost } from './support/install.mjs';
import { isolatedBrowser } from './support/isolation.mjs';
import { buildPaths } from './support/paths.mjs';
import { cardControl, startPcscEnv } from './support/pcsc_env.mjs';
import { newNonce, signatureValid } from './support/token.mjs';
import { startWebServer } from './support/web_server.mjs';

const PROFILE = 'kid-9';

// Runs in the page: calls the page API and returns the token, or the error's code and class.
async function callInPage(page, fn, arg) {
  return page.evaluate(fn, arg);
}
function authenticateInPage(page, nonce, options = {}) {
  return callInPage(page, ({ nonce, options }) =>
    SaferChat.authenticate(nonce, options).then(
      (token) => ({ token }),
      (error) => ({ code: error.code, isSaferChatError: error instanceof SaferChat.SaferChatError }),
    ), { nonce, options });
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

// The host processes started since `offset` in the host log, by process id.
function hostPidsSince(logFile, offset) {
  const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').slice(offset) : '';
  return [...text.matchAll(/saferchat-host\[(\d+)\] started by/g)].map((m) => Number(m[1]));
}
function logSize(logFile) {
  return fs.existsSync(logFile) ? fs.statSync(logFile).size : 0;
}
async function waitForExit(pid, limitMs) {
  for (const end = Date.now() + limitMs; Date.now() < end;) {
    if (!fs.existsSync(`/proc/${pid}`)) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

export function browserSuite(browserName) {
  describe(`${browserName}: page API → extension → host → card`, () => {
    let paths;
    let tmp;
    let home;
    let chromiumUserDataDir;
    let pcsc;
    let web;
    let browser;
    let page;
    let certificate;
    let pin;
    let pinentryScript;
    let pinentryLog;
    let hostLog;
    let hostVersion;
    let hostProtocol;

    const install = () => installHost(paths.installer, {
      host: paths.host, home, browser: browserName, chromiumUserDataDir,
    });
    const setChild = (lines) => {
      fs.writeFileSync(pinentryScript, lines.join('\n') + '\n');
      fs.writeFileSync(pinentryLog, '');
    };

    before(async () => {
      paths = buildPaths();
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), `saferchat-${browserName}-`));
      home = path.join(tmp, 'home');
      chromiumUserDataDir = path.join(tmp, 'chromium-profile');
      fs.mkdirSync(home);
      fs.mkdirSync(chromiumUserDataDir);
      const profileDir = path.join(paths.testCards, 'cards', PROFILE);
      certificate = firstDerElement(fs.readFileSync(path.join(profileDir, 'auth_cert.der')));
      pin = JSON.parse(fs.readFileSync(path.join(profileDir, 'profile.json'), 'utf8')).pin;
      // "saferchat-host 0.1.0 (native messaging protocol 1)"
      const versionLine = execFileSync(paths.host, ['--version'], { encoding: 'utf8' });
      [, hostVersion, hostProtocol] = versionLine.match(/^saferchat-host (\S+) \(native messaging protocol (\d+)\)/);
      hostProtocol = Number(hostProtocol);
      pinentryScript = path.join(tmp, 'pinentry-script');
      pinentryLog = path.join(tmp, 'pinentry-log');
      hostLog = path.join(tmp, 'host.log');

      pcsc = await startPcscEnv(paths.pcscEnv, profileDir);
      web = await startWebServer(tmp, path.join(paths.extension, 'page-api'));
      install();
      const env = {
        ...process.env,
        HOME: home,
        ...pcsc.env,
        SAFERCHAT_PINENTRY: paths.scriptedPinentry,
        SCRIPTED_PINENTRY_SCRIPT: pinentryScript,
        SCRIPTED_PINENTRY_LOG: pinentryLog,
        SAFERCHAT_LOG_LEVEL: 'debug',
        SAFERCHAT_LOG_FILE: hostLog,
        // The host accepts http://localhost here, so that the extension alone decides (§3.5).
        SAFERCHAT_ALLOW_HTTP_LOCALHOST: '1',
      };
      // Only the host the test installs is found, whatever is installed system-wide.
      const executablePath = isolatedBrowser(tmp, browserName === 'firefox' ? FIREFOX_PATH : CHROMIUM_PATH);
      browser = browserName === 'firefox'
        ? await launchFirefox({ extensionDir: path.join(paths.extension, 'firefox'),
          profileDir: path.join(tmp, 'firefox-profile'), env, executablePath })
        : await launchChromium({ extensionDir: path.join(paths.extension, 'chromium'),
          userDataDir: chromiumUserDataDir, env, executablePath });
      page = await browser.openPage(`${web.https}/page.html`);
    });

    after(async () => {
      await browser?.close();
      await web?.close();
      await pcsc?.stop();
      if (tmp && !process.env.SAFERCHAT_KEEP_TEST_FILES) {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    });

    it('status() reports the extension and the installed host', async () => {
      const status = await callInPage(page, () => SaferChat.status());
      assert.deepEqual(status.extension, { present: true, version: '0.1.0' });
      assert.equal(status.host.present, true);
      assert.equal(status.host.version, hostVersion);
      assert.equal(status.host.protocolVersion, hostProtocol);
      assert.equal(status.host.pcsc.reachable, true);
      assert.ok(status.host.pcsc.readerCount >= 1);
      // The ES module build gives the same answer as the plain script.
      assert.deepEqual(await callInPage(page, () => SaferChatModule.status()), status);
    });

    it('authenticate() returns a token from the card, bound to the page origin', async () => {
      setChild([`pin ${pin}`]);
      const nonce = newNonce();
      const { token, code } = await authenticateInPage(page, nonce, { lang: 'nl', timeout: 60 });
      assert.equal(code, undefined);
      assert.deepEqual(Object.keys(token).sort(),
        ['algorithm', 'appVersion', 'format', 'signature', 'unverifiedCertificate']);
      assert.equal(token.format, 'web-eid:1.0');
      assert.equal(token.algorithm, 'ES384');
      assert.equal(token.appVersion, `https://saferchat.be/host/${hostVersion}`);
      assert.deepEqual(Buffer.from(token.unverifiedCertificate, 'base64'), certificate);
      assert.equal(Buffer.from(token.signature, 'base64').length, 96); // P-384 r ‖ s
      assert.equal(signatureValid(token, web.https, nonce), true);
      assert.equal(signatureValid(token, web.httpsOther, nonce), false);
      assert.equal(signatureValid(token, web.https, newNonce()), false);
      // The PIN dialog named the page's site, in the language asked for.
      const shown = fs.readFileSync(pinentryLog, 'utf8');
      assert.match(shown, /localhost/);
      assert.match(shown, /pincode|PIN-code|PIN/i);
    });

    it('an origin written by the page is ignored: the token is bound to the real origin', async () => {
      setChild([`pin ${pin}`]);
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
      setChild([`pin ${pin}`]);
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

    it('the child cancelling the PIN dialog gives ERR_SAFERCHAT_USER_CANCELLED', async () => {
      setChild(['cancel']);
      const outcome = await authenticateInPage(page, newNonce(), { timeout: 60 });
      assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_USER_CANCELLED', isSaferChatError: true });
    });

    it('a second request while one is pending gives ERR_SAFERCHAT_REQUEST_PENDING', async () => {
      setChild([`wait 1500 pin ${pin}`]);
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
      const status = await callInPage(page, () => SaferChat.status());
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
      const logBefore = logSize(hostLog);
      for (const [fields, code] of cases) {
        const reply = await rawRequestInPage(page, { ...base, ...fields });
        assert.equal(reply?.error?.code, code, JSON.stringify(fields));
      }
      // None of them started the host.
      assert.deepEqual(hostPidsSince(hostLog, logBefore), []);
      // The page API checks the same before it asks.
      const local = await callInPage(page, () => Promise.all([
        SaferChat.authenticate('short').catch((e) => e.code),
        SaferChat.authenticate(42).catch((e) => e.code),
        SaferChat.authenticate('A'.repeat(44), { timeout: 0 }).catch((e) => e.code),
      ]));
      assert.deepEqual(local, ['ERR_SAFERCHAT_INVALID_CHALLENGE', 'ERR_SAFERCHAT_INVALID_ARGUMENT',
        'ERR_SAFERCHAT_INVALID_ARGUMENT']);
      assert.deepEqual(hostPidsSince(hostLog, logBefore), []);
    });

    it('insecure pages are refused with ERR_SAFERCHAT_INSECURE_CONTEXT', async () => {
      for (const origin of [web.httpOther, web.http]) {
        const insecure = await browser.openPage(`${origin}/page.html`);
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
      setChild([`pin ${pin}`]);
      await browser.setDevSwitch(true);
      const local = await browser.openPage(`${web.http}/page.html`);
      try {
        const nonce = newNonce();
        const { token, code } = await authenticateInPage(local, nonce, { timeout: 60 });
        assert.equal(code, undefined);
        assert.equal(signatureValid(token, web.http, nonce), true);
        // Firefox reads managed storage once per run of the extension, so only Chromium's
        // options page can turn it off again here.
        if (browser.devSwitchTurnsOff) {
          await browser.setDevSwitch(false);
          const refused = await authenticateInPage(local, newNonce());
          assert.equal(refused.code, 'ERR_SAFERCHAT_INSECURE_CONTEXT');
        }
      } finally {
        await local.close();
        await browser.setDevSwitch(false);
      }
    });

    it('without the host installed: status() says so, authenticate() gives ERR_SAFERCHAT_HOST_MISSING', async () => {
      uninstallHost(paths.installer, { home, browser: browserName, chromiumUserDataDir });
      try {
        const status = await callInPage(page, () => SaferChat.status());
        assert.deepEqual(status, {
          extension: { present: true, version: '0.1.0' },
          host: { present: false, version: null, error: 'ERR_SAFERCHAT_HOST_MISSING' },
        });
        const outcome = await authenticateInPage(page, newNonce());
        assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_HOST_MISSING', isSaferChatError: true });
      } finally {
        install();
      }
      const status = await callInPage(page, () => SaferChat.status());
      assert.equal(status.host.present, true);
    });

    it('without the extension: status() says so, authenticate() gives ERR_SAFERCHAT_EXTENSION_MISSING', async () => {
      await browser.withoutExtension(async (openPage) => {
        const bare = await openPage(`${web.https}/page.html`);
        const status = await callInPage(bare, () => SaferChat.status());
        assert.deepEqual(status, {
          extension: { present: false, version: null },
          host: { present: false, version: null, error: 'ERR_SAFERCHAT_EXTENSION_MISSING' },
        });
        const outcome = await authenticateInPage(bare, newNonce());
        assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_EXTENSION_MISSING', isSaferChatError: true });
        await bare.close();
      });
    });

    it('leaving the page ends the host and its PIN dialog', async () => {
      setChild(['hang']);
      const leaving = await browser.openPage(`${web.https}/page.html`);
      const logBefore = logSize(hostLog);
      await callInPage(leaving, (nonce) => {
        window.pending = SaferChat.authenticate(nonce, { timeout: 120 });
      }, newNonce());
      // Wait until the dialog is open (scripted-pinentry logs its start), then leave.
      for (let i = 0; i < 300 && !fs.readFileSync(pinentryLog, 'utf8').includes('GETPIN'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.match(fs.readFileSync(pinentryLog, 'utf8'), /GETPIN/);
      const [pid] = hostPidsSince(hostLog, logBefore);
      assert.ok(pid, 'the host started');
      await leaving.close();
      assert.equal(await waitForExit(pid, 30000), true, 'the host exits when the page is gone');
    });

    // Last: the slow card may keep pcscd busy for a while after it.
    it('a host that does not answer in time gives ERR_SAFERCHAT_TIMEOUT and is stopped', async () => {
      setChild([`pin ${pin}`]);
      const logBefore = logSize(hostLog);
      // Every APDU now takes 15 s: the host's first card command outlasts the request's
      // timeout (1 s) plus the extension's margin.
      assert.match(await cardControl(pcsc.control, 'delay 15000'), /^ok/);
      try {
        const outcome = await authenticateInPage(page, newNonce(), { timeout: 1 });
        assert.deepEqual(outcome, { code: 'ERR_SAFERCHAT_TIMEOUT', isSaferChatError: true });
      } finally {
        assert.match(await cardControl(pcsc.control, 'delay 0'), /^ok/);
      }
      const [pid] = hostPidsSince(hostLog, logBefore);
      assert.ok(pid, 'the host started');
      assert.equal(await waitForExit(pid, 60000), true, 'the host exits once disconnected');
    });
  });
}
