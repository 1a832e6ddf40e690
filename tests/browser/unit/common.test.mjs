// SPDX-License-Identifier: Apache-2.0
// Unit tests of extension/common.js, the pure checks shared by the content script and the
// background: request fields, origins from the sender, the host's messages, error mapping.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
await import(path.join(root, 'extension', 'common.js'));
const C = globalThis.SaferChatCommon;
const { ErrorCode } = await import(path.join(root, 'extension', 'page-api', 'saferchat.mjs'));

const NONCE = 'A'.repeat(43) + '=';
const code = (reply) => reply.error?.code;

describe('checkRequest', () => {
  it('keeps only the known fields of an authenticate request, never an origin', () => {
    const checked = C.checkRequest('authenticate', {
      challengeNonce: NONCE, lang: 'nl-BE', timeout: 30, origin: 'https://evil.example', extra: 1,
    });
    assert.deepEqual(checked, {
      command: 'authenticate',
      arguments: { challengeNonce: NONCE, lang: 'nl-BE', timeout: 30 },
    });
  });

  it('gives the default timeout of 120 s and treats null as absent', () => {
    assert.deepEqual(C.checkRequest('authenticate', { challengeNonce: NONCE, lang: null, timeout: null }), {
      command: 'authenticate', arguments: { challengeNonce: NONCE, timeout: 120 },
    });
  });

  it('takes status without arguments', () => {
    assert.deepEqual(C.checkRequest('status', { origin: 'x' }), { command: 'status', arguments: {} });
    assert.deepEqual(C.checkRequest('status', undefined), { command: 'status', arguments: {} });
  });

  it('refuses unknown commands and non-object arguments', () => {
    for (const command of ['get-certificate', 'version', 'quit', 'Status', '', 7, null, undefined]) {
      assert.equal(code(C.checkRequest(command, {})), 'ERR_SAFERCHAT_INVALID_ARGUMENT', String(command));
    }
    for (const args of [[], 'x', 5, true]) {
      assert.equal(code(C.checkRequest('authenticate', args)), 'ERR_SAFERCHAT_INVALID_ARGUMENT');
    }
  });

  it('checks the challenge nonce as the host does (docs/protocol.md §3.4)', () => {
    const challenge = (nonce) => code(C.checkRequest('authenticate', { challengeNonce: nonce }));
    assert.equal(challenge('A'.repeat(44)), undefined);
    assert.equal(challenge('A'.repeat(128)), undefined);
    assert.equal(challenge('-_+/'.repeat(11)), undefined); // base64 and base64url alphabets
    assert.equal(challenge('A'.repeat(42) + '=='), undefined);
    assert.equal(challenge('A'.repeat(43)), 'ERR_SAFERCHAT_INVALID_CHALLENGE');
    assert.equal(challenge('A'.repeat(129)), 'ERR_SAFERCHAT_INVALID_CHALLENGE');
    assert.equal(challenge('A'.repeat(41) + '==='), 'ERR_SAFERCHAT_INVALID_CHALLENGE');
    assert.equal(challenge('A'.repeat(20) + '=' + 'A'.repeat(23)), 'ERR_SAFERCHAT_INVALID_CHALLENGE');
    assert.equal(challenge('A'.repeat(43) + '*'), 'ERR_SAFERCHAT_INVALID_CHALLENGE');
    assert.equal(challenge('A'.repeat(43) + 'é'), 'ERR_SAFERCHAT_INVALID_CHALLENGE');
    for (const wrongType of [undefined, null, 44, ['A'.repeat(44)], { length: 44 }]) {
      assert.equal(challenge(wrongType), 'ERR_SAFERCHAT_INVALID_ARGUMENT');
    }
  });

  it('checks lang and timeout', () => {
    const with_ = (extra) => code(C.checkRequest('authenticate', { challengeNonce: NONCE, ...extra }));
    for (const lang of ['nl', 'fr-BE', 'de', 'en-GB', 'zh-Hant-TW']) {
      assert.equal(with_({ lang }), undefined, lang);
    }
    for (const lang of ['n', 'nl_BE', 'nl-', '12', 'nl-BE-toolongsubtag', 'x'.repeat(36), 42, {}]) {
      assert.equal(with_({ lang }), 'ERR_SAFERCHAT_INVALID_ARGUMENT', String(lang));
    }
    for (const timeout of [1, 600]) {
      assert.equal(with_({ timeout }), undefined);
    }
    for (const timeout of [0, 601, 1.5, '30', -1, NaN, Infinity, true]) {
      assert.equal(with_({ timeout }), 'ERR_SAFERCHAT_INVALID_ARGUMENT', String(timeout));
    }
  });
});

describe('page messages', () => {
  it('recognises our requests by type only', () => {
    assert.equal(C.isPageRequest({ type: 'saferchat:request' }), true);
    for (const other of [null, 'saferchat:request', [], { type: 'saferchat:reply' }, { type: 'other' }]) {
      assert.equal(C.isPageRequest(other), false);
    }
  });

  it('recognises a page giving up on its request (saferchat:cancel)', () => {
    assert.equal(C.isPageCancel({ type: 'saferchat:cancel', id: 'abc-1' }), true);
    for (const other of [{ type: 'saferchat:cancel' }, { type: 'saferchat:cancel', id: 'a b' },
      { type: 'saferchat:request', id: 'a' }, null, 'saferchat:cancel']) {
      assert.equal(C.isPageCancel(other), false, JSON.stringify(other));
    }
  });

  it('numbers the content script\'s requests with positive integers', () => {
    for (const seq of [1, 2, Number.MAX_SAFE_INTEGER]) {
      assert.equal(C.isSequence(seq), true);
    }
    for (const seq of [0, -1, 1.5, '1', null, undefined, Number.MAX_SAFE_INTEGER + 1]) {
      assert.equal(C.isSequence(seq), false, String(seq));
    }
  });

  it('takes request ids of 1 to 64 letters, digits, - and _', () => {
    assert.equal(C.isRequestId('a'), true);
    assert.equal(C.isRequestId('0123abcdef-_'.padEnd(64, 'x')), true);
    for (const id of ['', 'x'.repeat(65), 'a b', 'a/b', 7, null, undefined]) {
      assert.equal(C.isRequestId(id), false, String(id));
    }
  });

  it('gives each outer layer more time than the one inside it', () => {
    const status = C.checkRequest('status', {});
    const slow = C.checkRequest('authenticate', { challengeNonce: NONCE, timeout: 600 });
    for (const request of [status, slow]) {
      assert.ok(C.contentTimeoutMs(request) > C.backgroundTimeoutMs(request) + C.READY_TIMEOUT_MS);
    }
    assert.equal(C.backgroundTimeoutMs(slow), 610000);
  });
});

describe('settings', () => {
  it('are the defaults when nothing is set: warm port, 5 minutes idle, no http localhost', () => {
    assert.deepEqual(C.effectiveSettings({}, {}),
      { allowHttpLocalhost: false, connectionMode: 'warm', idleTimeoutSeconds: 300 });
    assert.deepEqual(C.effectiveSettings(undefined, null), C.DEFAULT_SETTINGS);
    assert.deepEqual(C.SETTING_NAMES, ['allowHttpLocalhost', 'connectionMode', 'idleTimeoutSeconds']);
  });

  it('take the managed value over the local one, each setting on its own', () => {
    assert.deepEqual(C.effectiveSettings({ connectionMode: 'per-request' },
      { connectionMode: 'warm', idleTimeoutSeconds: 2, allowHttpLocalhost: true }),
    { allowHttpLocalhost: true, connectionMode: 'per-request', idleTimeoutSeconds: 2 });
  });

  it('skip invalid values: a bad managed value leaves the local one in force', () => {
    const bad = { allowHttpLocalhost: 'yes', connectionMode: 'Warm', idleTimeoutSeconds: 0 };
    assert.deepEqual(C.effectiveSettings(bad, { idleTimeoutSeconds: 60 }),
      { allowHttpLocalhost: false, connectionMode: 'warm', idleTimeoutSeconds: 60 });
    for (const idle of [0, 86401, 1.5, '300', null, -5]) {
      assert.equal(C.effectiveSettings({}, { idleTimeoutSeconds: idle }).idleTimeoutSeconds, 300, String(idle));
    }
    for (const idle of [1, 86400]) {
      assert.equal(C.effectiveSettings({}, { idleTimeoutSeconds: idle }).idleTimeoutSeconds, idle);
    }
    assert.equal(C.effectiveSettings({ connectionMode: 'per-request' }, {}).connectionMode, 'per-request');
  });
});

describe('origins', () => {
  it('come from sender.origin (Chromium), else from sender.url (Firefox)', () => {
    assert.equal(C.senderOrigin({ origin: 'https://chat.example', url: 'https://other.example/x' }),
      'https://chat.example');
    assert.equal(C.senderOrigin({ url: 'https://chat.example:8443/room?x=1#y' }), 'https://chat.example:8443');
    assert.equal(C.senderOrigin({ url: 'https://chat.example:443/' }), 'https://chat.example');
    assert.equal(C.senderOrigin({ url: 'HTTPS://Chat.Example/' }), 'https://chat.example');
    assert.equal(C.senderOrigin({ origin: 'null', url: 'https://chat.example/' }), null);
    assert.equal(C.senderOrigin({ url: 'data:text/html,hi' }), null);
    assert.equal(C.senderOrigin({ url: 'not a url' }), null);
    assert.equal(C.senderOrigin({}), null);
    assert.equal(C.senderOrigin(null), null);
  });

  it('may ask when https, or http localhost with the development switch', () => {
    const refused = (origin, allow) => code(C.checkOrigin(origin, allow) ?? {});
    assert.equal(C.checkOrigin('https://chat.example', false), null);
    assert.equal(C.checkOrigin('https://chat.example:8443', false), null);
    assert.equal(C.checkOrigin('https://[::1]:8443', false), null);
    for (const local of ['http://localhost', 'http://localhost:8080', 'http://127.0.0.1:1', 'http://[::1]:9']) {
      assert.equal(refused(local, false), 'ERR_SAFERCHAT_INSECURE_CONTEXT', local);
      assert.equal(C.checkOrigin(local, true), null, local);
      assert.equal(C.isHttpLocalhostOrigin(local), true, local);
    }
    for (const bad of ['http://chat.example', 'http://127.0.0.2', 'http://localhost.example',
      'https://chat.example/', 'https://chat.example/path', 'https://user@chat.example', 'null', '',
      'ftp://chat.example', 'file:///etc/passwd', 'chrome-extension://abc', 'https://' + 'a'.repeat(250),
      undefined, null, 42]) {
      assert.equal(refused(bad, true), 'ERR_SAFERCHAT_INSECURE_CONTEXT', String(bad));
    }
    assert.equal(C.isHttpLocalhostOrigin('https://localhost'), false);
    assert.equal(C.isHttpLocalhostOrigin('http://127.0.0.2'), false);
  });

  it('lets the content script send on https and http localhost pages only', () => {
    assert.equal(C.pageMayAsk('https:', 'chat.example'), true);
    assert.equal(C.pageMayAsk('http:', 'localhost'), true);
    assert.equal(C.pageMayAsk('http:', '[::1]'), true);
    assert.equal(C.pageMayAsk('http:', '127.0.0.2'), false);
    assert.equal(C.pageMayAsk('http:', 'chat.example'), false);
    assert.equal(C.pageMayAsk('file:', ''), false);
  });
});

describe('the host', () => {
  it('a closed port maps to HOST_MISSING (both browsers\' wording) or HOST_FAILED', () => {
    assert.equal(code(C.disconnectError('Specified native messaging host not found.')), 'ERR_SAFERCHAT_HOST_MISSING');
    assert.equal(code(C.disconnectError('No such native application be.saferchat.host')), 'ERR_SAFERCHAT_HOST_MISSING');
    assert.equal(code(C.disconnectError('Access to the specified native messaging host is forbidden.')),
      'ERR_SAFERCHAT_HOST_MISSING');
    assert.equal(code(C.disconnectError('Native host has exited.')), 'ERR_SAFERCHAT_HOST_FAILED');
    assert.equal(code(C.disconnectError('')), 'ERR_SAFERCHAT_HOST_FAILED');
    assert.equal(code(C.disconnectError(undefined)), 'ERR_SAFERCHAT_HOST_FAILED');
  });

  it('checks the ready event (§4.1) and passes a refusal through', () => {
    assert.equal(C.checkReady({ event: 'ready', hostVersion: '0.1.0', protocolVersion: 1 }), null);
    assert.equal(C.checkReady({ event: 'ready', hostVersion: '0.1.0', protocolVersion: 2 }), null);
    for (const version of [0, 3, '1', null]) {
      assert.equal(code(C.checkReady({ event: 'ready', protocolVersion: version })), 'ERR_SAFERCHAT_HOST_INCOMPATIBLE');
    }
    assert.deepEqual(C.checkReady({ error: { code: 'ERR_SAFERCHAT_CALLER_NOT_ALLOWED', message: 'No.' } }),
      { error: { code: 'ERR_SAFERCHAT_CALLER_NOT_ALLOWED', message: 'No.' } });
    assert.equal(code(C.checkReady({ error: { code: 'rm -rf' } })), 'ERR_SAFERCHAT_HOST_FAILED');
    assert.equal(code(C.checkReady('ready')), 'ERR_SAFERCHAT_HOST_FAILED');
  });

  it('uses the warm port with protocol version 2 hosts only (§3.6)', () => {
    assert.equal(C.servesManyRequests({ event: 'ready', protocolVersion: 2 }), true);
    assert.equal(C.servesManyRequests({ event: 'ready', protocolVersion: 1 }), false);
    assert.equal(C.hostReplyId({ id: 7 }), 7);
    assert.equal(C.hostReplyId('x'), undefined);
    assert.equal(C.hostReplyId({ error: {} }), undefined);
  });

  const token = {
    unverifiedCertificate: 'MIIB' + 'A'.repeat(40),
    algorithm: 'ES384',
    signature: 'q'.repeat(128),
    format: 'web-eid:1.0',
    appVersion: 'https://saferchat.be/host/0.1.0',
  };

  it('copies the token field by field (§4.3)', () => {
    assert.deepEqual(C.checkHostReply({ id: 3, command: 'authenticate', result: { ...token, extra: 'x' } }, 3,
      'authenticate'), { result: token });
    for (const broken of [{ format: 'web-eid:2' }, { algorithm: 'none' }, { signature: 'not base64!' },
      { unverifiedCertificate: 42 }, { appVersion: undefined }]) {
      assert.equal(code(C.checkHostReply({ id: 3, result: { ...token, ...broken } }, 3, 'authenticate')),
        'ERR_SAFERCHAT_HOST_FAILED', JSON.stringify(broken));
    }
  });

  it('takes only the reply to its own request id', () => {
    assert.equal(code(C.checkHostReply({ id: 4, result: token }, 3, 'authenticate')), 'ERR_SAFERCHAT_HOST_FAILED');
    assert.equal(code(C.checkHostReply({ result: token }, 3, 'authenticate')), 'ERR_SAFERCHAT_HOST_FAILED');
  });

  it('passes the host\'s error codes through, and only well-formed ones', () => {
    const reply = C.checkHostReply({ id: 1, error: { code: 'ERR_SAFERCHAT_PIN_BLOCKED', message: 'Blocked.' } }, 1,
      'authenticate');
    assert.deepEqual(reply, { error: { code: 'ERR_SAFERCHAT_PIN_BLOCKED', message: 'Blocked.' } });
    assert.equal(code(C.checkHostReply({ id: 1, error: { code: 'ERR_other' } }, 1, 'authenticate')),
      'ERR_SAFERCHAT_HOST_FAILED');
    assert.equal(C.checkHostReply({ id: 1, error: { code: 'ERR_SAFERCHAT_X', message: 'm'.repeat(501) } }, 1,
      'authenticate').error.message, 'Safer Chat failed.');
  });

  it('turns the version result into status() (§3.1, §8.3)', () => {
    const result = { hostVersion: '0.1.0', protocolVersion: 1, commands: [], pcsc: { reachable: true, readerCount: 2 },
      caller: { browser: 'chromium' } };
    assert.deepEqual(C.checkHostReply({ id: 9, result }, 9, 'version'), {
      result: { present: true, version: '0.1.0', protocolVersion: 1, pcsc: { reachable: true, readerCount: 2 } },
    });
    assert.equal(code(C.checkHostReply({ id: 9, result: { hostVersion: 1 } }, 9, 'version')),
      'ERR_SAFERCHAT_HOST_FAILED');
  });

  it('checks what the background answers the content script', () => {
    assert.deepEqual(C.checkBackgroundReply({ result: { a: 1 } }), { result: { a: 1 } });
    assert.deepEqual(C.checkBackgroundReply({ error: { code: 'ERR_SAFERCHAT_TIMEOUT' } }),
      { error: { code: 'ERR_SAFERCHAT_TIMEOUT', message: C.MESSAGES.ERR_SAFERCHAT_TIMEOUT } });
    assert.equal(code(C.checkBackgroundReply(undefined)), 'ERR_SAFERCHAT_EXTENSION_FAILED');
    assert.equal(code(C.checkBackgroundReply({ error: { code: 7 } })), 'ERR_SAFERCHAT_EXTENSION_FAILED');
  });
});

describe('error codes', () => {
  it('every extension code has a fixed message and is known to the page API', () => {
    const pageCodes = new Set(Object.values(ErrorCode));
    for (const value of Object.values(C.Codes)) {
      assert.match(value, /^ERR_SAFERCHAT_[A-Z_]+$/);
      assert.equal(typeof C.MESSAGES[value], 'string', value);
      assert.ok(pageCodes.has(value), value);
    }
  });

  it('every host code a page can see (docs/protocol.md §5) is in the page API', () => {
    const protocol = fs.readFileSync(path.join(root, 'docs', 'protocol.md'), 'utf8');
    const section = protocol.slice(protocol.indexOf('## 5. Error codes'), protocol.indexOf('## 6.'));
    const hostCodes = [...section.matchAll(/^\| `(ERR_SAFERCHAT_[A-Z_]+)` \|/gm)].map((m) => m[1]);
    assert.ok(hostCodes.length >= 20);
    // Framing and request-syntax codes cannot reach a page: the extension speaks correctly.
    const internalOnly = new Set(['ERR_SAFERCHAT_EMPTY_MESSAGE', 'ERR_SAFERCHAT_MESSAGE_TOO_LARGE',
      'ERR_SAFERCHAT_MESSAGE_TRUNCATED', 'ERR_SAFERCHAT_INVALID_UTF8', 'ERR_SAFERCHAT_INVALID_JSON',
      'ERR_SAFERCHAT_NOT_AN_OBJECT', 'ERR_SAFERCHAT_MISSING_COMMAND', 'ERR_SAFERCHAT_UNKNOWN_COMMAND',
      'ERR_SAFERCHAT_COMMAND_NOT_AVAILABLE', 'ERR_SAFERCHAT_RESPONSE_TOO_LARGE']);
    const pageCodes = new Set(Object.values(ErrorCode));
    for (const hostCode of hostCodes.filter((c) => !internalOnly.has(c))) {
      assert.ok(pageCodes.has(hostCode), `${hostCode} missing from page-api ErrorCode`);
    }
  });
});

describe('only when the child acts (docs/protocol.md §8.5)', () => {
  const report = (fields = {}) => ({
    visible: true, focused: true, active: true, gestureAgeMs: 120, fresh: true, sentAt: 1e12, ...fields,
  });

  it('lets a visible, focused page with a fresh recent gesture ask', () => {
    assert.equal(C.checkAttention('authenticate', report()), null);
    assert.equal(C.checkAttention('status', report()), null);
    assert.equal(C.checkAttention('authenticate', report({ gestureAgeMs: C.GESTURE_WINDOW_MS })), null);
  });

  it('refuses a hidden or unfocused page with PAGE_NOT_ACTIVE, before looking at the gesture', () => {
    assert.equal(code(C.checkAttention('authenticate', report({ visible: false }))), 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE');
    assert.equal(code(C.checkAttention('status', report({ focused: false, active: false }))), 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE');
  });

  it('refuses without a gesture, an old one, or (authenticate only) a used one', () => {
    const refused = (command, fields) => code(C.checkAttention(command, report(fields)));
    assert.equal(refused('authenticate', { active: false }), 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED');
    assert.equal(refused('authenticate', { gestureAgeMs: null }), 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED');
    assert.equal(refused('status', { gestureAgeMs: C.GESTURE_WINDOW_MS + 1 }), 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED');
    assert.equal(refused('authenticate', { fresh: false }), 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED');
    assert.equal(C.checkAttention('status', report({ fresh: false })), null);
  });

  it('counts a missing or malformed report as no gesture', () => {
    for (const bad of [undefined, null, [], 'yes', report({ visible: 'true' }), report({ gestureAgeMs: -1 }),
      report({ gestureAgeMs: Infinity }), report({ sentAt: undefined }), report({ fresh: 1 })]) {
      assert.equal(code(C.checkAttention('authenticate', bad)), 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED', JSON.stringify(bad));
    }
    assert.deepEqual(C.checkActivationReport({ ...report(), extra: 1 }), report());
  });

  it('wants the tab to be its window\'s active tab in the focused window', () => {
    assert.equal(C.checkTabState({ active: true }, { focused: true }), null);
    assert.equal(code(C.checkTabState({ active: false }, { focused: true })), 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE');
    assert.equal(code(C.checkTabState({ active: true }, { focused: false })), 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE');
    assert.equal(code(C.checkTabState(undefined, undefined)), 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE');
  });

  it('answers status() without the host: the extension only', () => {
    assert.deepEqual(C.statusWithoutHost('0.1.0', 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED'), {
      result: {
        extension: { present: true, version: '0.1.0' },
        host: { present: null, version: null, error: 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED' },
      },
    });
  });

  it('gives one code for the card errors that come before the dialog, and passes the others', () => {
    for (const hidden of ['ERR_SAFERCHAT_NO_AUTH_CERTIFICATE', 'ERR_SAFERCHAT_UNKNOWN_CARD', 'ERR_SAFERCHAT_CARD_BUSY']) {
      assert.deepEqual(C.collapseCardErrors({ error: { code: hidden, message: 'detail' } }), {
        error: { code: 'ERR_SAFERCHAT_CARD_NOT_USABLE', message: C.MESSAGES.ERR_SAFERCHAT_CARD_NOT_USABLE },
      });
    }
    const wrong = { error: { code: 'ERR_SAFERCHAT_PIN_WRONG', message: 'm' } };
    assert.equal(C.collapseCardErrors(wrong), wrong);
    const token = { result: { format: 'web-eid:1.0' } };
    assert.equal(C.collapseCardErrors(token), token);
  });

  it('makes a site wait after a Stop: 5 s, doubling up to 5 minutes; a login or an hour resets it', () => {
    const backOff = new C.BackOff();
    const site = 'https://chat.example';
    assert.equal(backOff.remainingMs(site, 0), 0);
    backOff.stopped(site, 1000);
    assert.equal(backOff.remainingMs(site, 1000), 5000);
    assert.equal(backOff.remainingMs(site, 5999), 1);
    assert.equal(backOff.remainingMs(site, 6000), 0);
    assert.equal(backOff.remainingMs('https://other.example', 1000), 0, 'per origin');
    const waits = [];
    let now = 6000;
    for (let i = 0; i < 8; i++) {
      backOff.stopped(site, now);
      waits.push(backOff.remainingMs(site, now));
      now += waits.at(-1);
    }
    assert.deepEqual(waits, [10000, 20000, 40000, 80000, 160000, 300000, 300000, 300000]);
    backOff.succeeded(site);
    backOff.stopped(site, now);
    assert.equal(backOff.remainingMs(site, now), 5000);
    // An hour after the last Stop: forgotten, so the next Stop waits 5 s again.
    now += 3600001;
    assert.equal(backOff.remainingMs(site, now), 0);
    backOff.stopped(site, now);
    assert.equal(backOff.remainingMs(site, now), 5000);
  });

  it('gives its state to storage and takes it back, leaving out what is malformed', () => {
    const backOff = new C.BackOff();
    backOff.stopped('https://a.example', 1000);
    backOff.stopped('https://a.example', 7000);
    const kept = JSON.parse(JSON.stringify(backOff.entries()));
    assert.deepEqual(kept, [{ origin: 'https://a.example', until: 17000, nextMs: 20000, last: 7000 }]);
    const restarted = new C.BackOff();
    restarted.restore([...kept, { origin: 'https://b.example', until: 'soon' }, null, 7]);
    assert.equal(restarted.remainingMs('https://a.example', 7000), 10000);
    assert.equal(restarted.remainingMs('https://b.example', 7000), 0);
    restarted.restore('not a list');
    assert.deepEqual(restarted.entries(), kept);
  });

  it('lets a dialog follow another site\'s only after a gesture that came after it', () => {
    const last = { origin: 'https://a.example', endedAt: 5000 };
    assert.equal(C.gestureAfterOtherDialog(null, 'https://b.example', 0), true);
    assert.equal(C.gestureAfterOtherDialog(last, 'https://a.example', 100), true, 'same site');
    assert.equal(C.gestureAfterOtherDialog(last, 'https://b.example', 4990), false);
    assert.equal(C.gestureAfterOtherDialog(last, 'https://b.example', 5000), false);
    assert.equal(C.gestureAfterOtherDialog(last, 'https://b.example', 5001), true);
  });
});

describe('sites that may ask (docs/parents.md)', () => {
  it('reads a site as a parent writes it into its origin', () => {
    const cases = [
      ['kinderchat.be', 'https://kinderchat.be'],
      [' https://KinderChat.BE:443/room?x=1 ', 'https://kinderchat.be'],
      ['kinderchat.be:8443', 'https://kinderchat.be:8443'],
      ['http://localhost:8080', 'http://localhost:8080'],
      ['http://kinderchat.be', null],
      ['https://user:pass@kinderchat.be', null],
      ['ftp://kinderchat.be', null],
      ['javascript:alert(1)', null],
      ['', null],
      [42, null],
      ['https://' + 'a'.repeat(300) + '.be', null],
    ];
    for (const [text, origin] of cases) {
      assert.equal(C.siteOrigin(text), origin, String(text));
    }
  });

  it('takes the policy\'s list first, then the parent\'s; empty or absent is no list', () => {
    const policy = { allowedSites: ['https://school-chat.be'] };
    const parent = { allowedSites: ['kinderchat.be', 'https://kinderchat.be/'] };
    assert.deepEqual(C.effectiveSiteList(policy, parent), { from: 'policy', origins: ['https://school-chat.be'] });
    assert.deepEqual(C.effectiveSiteList({}, parent), { from: 'parent', origins: ['https://kinderchat.be'] });
    assert.deepEqual(C.effectiveSiteList({ allowedSites: [] }, parent).from, 'parent');
    assert.equal(C.effectiveSiteList({}, {}), null);
    assert.equal(C.effectiveSiteList(undefined, { allowedSites: 'kinderchat.be' }), null, 'not a list');
    // A list of typos lets no site ask, rather than every site.
    assert.deepEqual(C.effectiveSiteList({ allowedSites: ['http://x', 7] }, {}), { from: 'policy', origins: [] });
  });

  it('refuses an origin not on the list with ORIGIN_NOT_ALLOWED; no list lets every origin on', () => {
    const list = C.effectiveSiteList({ allowedSites: ['https://kinderchat.be'] }, {});
    assert.equal(C.checkSiteList(list, 'https://kinderchat.be'), null);
    assert.equal(code(C.checkSiteList(list, 'https://kinderchat.be.attacker.example')), 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED');
    assert.equal(code(C.checkSiteList(list, 'https://kinderchat.be:8443')), 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED');
    assert.equal(C.checkSiteList(null, 'https://any.example'), null);
  });

  it('keeps only a PBKDF2-SHA-256 hash of the parent PIN, and checks it', async () => {
    const record = await C.newParentPinRecord('parent-2468');
    assert.deepEqual(Object.keys(record).sort(), ['hash', 'iterations', 'kdf', 'salt']);
    assert.equal(record.iterations, C.PARENT_PIN_ITERATIONS);
    const expected = crypto.pbkdf2Sync('parent-2468', Buffer.from(record.salt, 'base64'), record.iterations, 32, 'sha256');
    assert.equal(record.hash, expected.toString('base64'));
    assert.equal(Buffer.from(record.salt, 'base64').length, 16);
    assert.notEqual((await C.newParentPinRecord('parent-2468')).salt, record.salt, 'a new salt each time');
    assert.equal(await C.parentPinMatches(record, 'parent-2468'), true);
    assert.equal(await C.parentPinMatches(record, 'parent-2469'), false);
    assert.equal(await C.parentPinMatches(record, '123'), false, 'too short');
    assert.equal(await C.parentPinMatches({ ...record, hash: 'AAAA' }, 'parent-2468'), false);
    assert.equal(await C.parentPinMatches({ ...record, iterations: 1 }, 'parent-2468'), false, 'too few iterations');
    assert.equal(await C.parentPinMatches(undefined, 'parent-2468'), false);
    await assert.rejects(C.newParentPinRecord('12345'));
  });
});

describe('sealed tokens: the seal key and the sealed result', () => {
  const ec = (extra) => ({ ...crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), ...extra });
  const okp = (extra) => ({ ...crypto.generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }), ...extra });

  it('takes the first encryption key of the set, public only, copied with the members the host reads', () => {
    const signing = ec({ kid: 'sig', use: 'sig' });
    const current = ec({ kid: 'seal-2', use: 'enc', alg: 'ECDH-ES', x5c: ['ignored'] });
    const previous = okp({ kid: 'seal-1' });
    assert.deepEqual(C.selectSealKey({ keys: [signing, current, previous] }), {
      key: { kty: 'EC', crv: 'P-256', x: current.x, y: current.y, kid: 'seal-2' },
    });
    assert.deepEqual(C.selectSealKey({ keys: [previous, current] }), {
      key: { kty: 'OKP', crv: 'X25519', x: previous.x, kid: 'seal-1' },
    });
    assert.deepEqual(C.selectSealKey({ keys: [ec({ kid: 'a', alg: 'ECDH-ES+A256KW' }), ec({ kid: 'b' })] }).key.kid, 'b');
  });

  it('refuses sets with a private key, other curves, bad base64url, bad kids', () => {
    const privateKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const bad = [
      null, [], { keys: 'x' }, { keys: [] },
      { keys: [{ ...privateKey, kid: 'k' }] },
      { keys: [ec({ kid: 'ok' }), { ...privateKey, kid: 'later', use: 'sig' }] },
      { keys: [{ ...crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' }), kid: 'k' }] },
      { keys: [{ ...crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }), kid: 'k' }] },
      { keys: [ec({ kid: '' })] },
      { keys: [ec({ kid: 'a'.repeat(65) })] },
      { keys: [ec({ kid: 'spa ce' })] },
      { keys: [ec({})] },
      { keys: [{ ...ec({ kid: 'k' }), x: 'AAAA' }] },
      { keys: [{ ...ec({ kid: 'k' }), y: ec({}).y + '=' }] },
      { keys: [{ ...okp({ kid: 'k' }), y: ec({}).y }] },
      { keys: [{ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'k' }] },
    ];
    for (const document of bad) {
      assert.ok('error' in C.selectSealKey(document), JSON.stringify(document));
    }
  });

  it('honours Cache-Control max-age, clamped to 60..86400 s, default 3600', () => {
    assert.equal(C.sealKeyMaxAgeSeconds('max-age=120'), 120);
    assert.equal(C.sealKeyMaxAgeSeconds('public, max-age=600, must-revalidate'), 600);
    assert.equal(C.sealKeyMaxAgeSeconds('max-age=5'), 60);
    assert.equal(C.sealKeyMaxAgeSeconds('max-age=999999'), 86400);
    assert.equal(C.sealKeyMaxAgeSeconds(null), 3600);
    assert.equal(C.sealKeyMaxAgeSeconds('no-store'), 3600);
    assert.equal(C.sealKeyMaxAgeSeconds('s-maxage=100'), 3600);
    assert.equal(C.sealKeyUrl('https://chat.example'), 'https://chat.example/.well-known/saferchat-seal-key');
  });

  it('passes a sealed reply through, field by field, and refuses a malformed one', () => {
    const jwe = 'eyJhbGciOiJFQ0RILUVTIn0..aXY.Y2lwaGVy.dGFn';
    const sealed = { format: 'saferchat-sealed:1', kid: 'seal-2', jwe };
    assert.deepEqual(C.checkHostReply({ id: 4, result: { ...sealed, extra: 1 } }, 4, 'authenticate'), { result: sealed });
    for (const bad of [{ ...sealed, format: 'saferchat-sealed:2' }, { ...sealed, kid: 'a b' },
      { ...sealed, jwe: 'a.b.c.d.e' }, { ...sealed, jwe: 'a..b.c' }, { ...sealed, jwe: 7 },
      { ...sealed, jwe: `${'a'.repeat(70000)}..b.c.d` }]) {
      assert.equal(code(C.checkHostReply({ id: 4, result: bad }, 4, 'authenticate')), 'ERR_SAFERCHAT_HOST_FAILED', JSON.stringify(bad).slice(0, 80));
    }
  });
});
