// SPDX-License-Identifier: Apache-2.0
// The pure parts shared by the content script and the background: message names, error codes,
// checks of every field a page or the host sends, and the origin rules. No I/O, no browser API,
// so node:test loads it as is (tests/browser/unit/). A classic script, because content scripts
// cannot be ES modules: it defines one global, SaferChatCommon.
//
// Messages: docs/protocol.md §8 (page <-> content script <-> background) and §3-§5 (host).
'use strict';

(function (global) {
  const HOST_NAME = 'be.saferchat.host';
  // The port a page's content script opens to the background when the page first uses Safer
  // Chat, and keeps while the page lives: its requests travel on it, and its closing tells the
  // background that the page is gone (closed, navigated away).
  const PORT_NAME = 'saferchat-page';

  // window.postMessage types (§8.1): every message of ours starts with this prefix.
  const MESSAGE_PREFIX = 'saferchat:';
  const REQUEST = 'saferchat:request';
  const ACK = 'saferchat:ack';
  const REPLY = 'saferchat:reply';
  const CANCEL = 'saferchat:cancel';

  const COMMANDS = ['status', 'authenticate'];
  // Host protocol versions this extension speaks. From version 2 on, one host serves many
  // requests (docs/protocol.md §3.6, §3.7): the warm port. A version 1 host gets one request
  // per process.
  const HOST_PROTOCOL_VERSIONS = [1, 2];
  const WARM_PROTOCOL_VERSION = 2;

  // Settings (extension/README.md): storage.managed (policy) wins over storage.local (options
  // page); a missing or invalid value means the default.
  const CONNECTION_MODES = ['warm', 'per-request'];
  const DEFAULT_SETTINGS = Object.freeze({
    allowHttpLocalhost: false,
    connectionMode: 'warm',
    idleTimeoutSeconds: 300,
  });
  const SETTING_NAMES = Object.keys(DEFAULT_SETTINGS);
  const MIN_IDLE_TIMEOUT_S = 1;
  const MAX_IDLE_TIMEOUT_S = 86400;

  // docs/protocol.md §3.4 (the host enforces the same bounds).
  const MIN_CHALLENGE_LENGTH = 44;
  const MAX_CHALLENGE_LENGTH = 128;
  const MIN_TIMEOUT_S = 1;
  const MAX_TIMEOUT_S = 600;
  const DEFAULT_TIMEOUT_S = 120;
  const MAX_ORIGIN_LENGTH = 255;

  // Deadlines. Each layer waits a little longer than the one below it, so the layer nearest the
  // failure reports it: host (the request's timeout) < background < content script < page.
  const READY_TIMEOUT_MS = 10000; // host start until its ready event
  const STATUS_TIMEOUT_MS = 10000; // the host's version reply
  const BACKGROUND_MARGIN_MS = 10000; // beyond the request's timeout, for card I/O and start
  const CONTENT_MARGIN_MS = BACKGROUND_MARGIN_MS + READY_TIMEOUT_MS + 5000;

  // Stable error codes. The host's own codes (docs/protocol.md §5) pass through unchanged; the
  // ones below are the extension's (§8.4), with the same prefix.
  const Codes = Object.freeze({
    EXTENSION_MISSING: 'ERR_SAFERCHAT_EXTENSION_MISSING',
    EXTENSION_FAILED: 'ERR_SAFERCHAT_EXTENSION_FAILED',
    HOST_MISSING: 'ERR_SAFERCHAT_HOST_MISSING',
    HOST_FAILED: 'ERR_SAFERCHAT_HOST_FAILED',
    HOST_INCOMPATIBLE: 'ERR_SAFERCHAT_HOST_INCOMPATIBLE',
    TIMEOUT: 'ERR_SAFERCHAT_TIMEOUT',
    INSECURE_CONTEXT: 'ERR_SAFERCHAT_INSECURE_CONTEXT',
    REQUEST_PENDING: 'ERR_SAFERCHAT_REQUEST_PENDING',
    INVALID_ARGUMENT: 'ERR_SAFERCHAT_INVALID_ARGUMENT',
    INVALID_CHALLENGE: 'ERR_SAFERCHAT_INVALID_CHALLENGE',
    // The host's (docs/protocol.md §3.7), also given by the content script to a page that
    // gave up on its request.
    REQUEST_CANCELLED: 'ERR_SAFERCHAT_REQUEST_CANCELLED',
    // Only when the child acts (issue 14, docs/protocol.md §8.4): no dialog, no host request.
    USER_ACTIVATION_REQUIRED: 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED',
    PAGE_NOT_ACTIVE: 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE',
    RETRY_LATER: 'ERR_SAFERCHAT_RETRY_LATER',
    ANOTHER_SITE_ASKING: 'ERR_SAFERCHAT_ANOTHER_SITE_ASKING',
    CARD_NOT_USABLE: 'ERR_SAFERCHAT_CARD_NOT_USABLE',
    // The parents' list of sites that may ask (extension/README.md, docs/parents.md).
    ORIGIN_NOT_ALLOWED: 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED',
  });

  // One fixed English sentence per extension code; programs branch on the code.
  const MESSAGES = Object.freeze({
    [Codes.EXTENSION_MISSING]: 'The Safer Chat extension is not installed or not enabled.',
    [Codes.EXTENSION_FAILED]: 'The Safer Chat extension stopped before it answered.',
    [Codes.HOST_MISSING]: 'The Safer Chat program is not installed on this computer.',
    [Codes.HOST_FAILED]: 'The Safer Chat program stopped before it answered.',
    [Codes.HOST_INCOMPATIBLE]: 'The Safer Chat program speaks another protocol version.',
    [Codes.TIMEOUT]: 'The Safer Chat program did not answer in time.',
    [Codes.INSECURE_CONTEXT]: 'Safer Chat works only on https pages.',
    [Codes.REQUEST_PENDING]: 'Another Safer Chat request of this tab is not finished yet.',
    [Codes.INVALID_ARGUMENT]: 'A request field is missing, of the wrong type or out of range.',
    [Codes.INVALID_CHALLENGE]: 'The challenge nonce is not 44 to 128 characters of base64.',
    [Codes.REQUEST_CANCELLED]: 'The request was cancelled by the browser.',
    [Codes.USER_ACTIVATION_REQUIRED]:
      'Safer Chat asks only right after the child clicked or typed on this page.',
    [Codes.PAGE_NOT_ACTIVE]: 'Safer Chat asks only for the visible, focused tab.',
    [Codes.RETRY_LATER]: 'The child stopped the last request of this site; ask again later.',
    [Codes.ANOTHER_SITE_ASKING]: 'Safer Chat is asking the child for another site right now.',
    [Codes.CARD_NOT_USABLE]: 'The card cannot be used to log in; the child was told why.',
    [Codes.ORIGIN_NOT_ALLOWED]: 'This site is not on the list of sites allowed to ask.',
  });

  const ERROR_CODE_PATTERN = /^ERR_SAFERCHAT_[A-Z0-9_]{1,64}$/;
  const REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
  // RFC 4648 §4 and §5 alphabets; '=' only as up to two final characters (host: origin.cpp).
  const CHALLENGE_PATTERN = /^[A-Za-z0-9+/_-]+={0,2}$/;
  // BCP 47, simplified as the host does: a 2-8 letter primary subtag, then -alnum subtags.
  const LANG_PATTERN = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;
  const LOCALHOST_NAMES = ['localhost', '127.0.0.1', '[::1]'];

  function isPlainObject(value) {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  }

  function errorReply(code, message) {
    return { error: { code, message: message ?? MESSAGES[code] ?? 'Safer Chat failed.' } };
  }

  function isErrorCode(code) {
    return typeof code === 'string' && ERROR_CODE_PATTERN.test(code);
  }

  // An error object's message when it is a short string, else undefined (the code's own).
  function shortMessage(error) {
    return typeof error.message === 'string' && error.message.length <= 500
      ? error.message
      : undefined;
  }

  // -- Requests from the page (content script) and from the content script (background) --

  // Checks a request's command and arguments and returns a fresh copy holding only the fields
  // we know: { command, arguments } or { error }. Anything else the page put in the message,
  // an `origin` above all, is dropped here.
  function checkRequest(command, args) {
    if (typeof command !== 'string' || !COMMANDS.includes(command)) {
      return errorReply(Codes.INVALID_ARGUMENT, 'Unknown command.');
    }
    if (args !== undefined && args !== null && !isPlainObject(args)) {
      return errorReply(Codes.INVALID_ARGUMENT, '"arguments" must be an object.');
    }
    const given = args ?? {};
    if (command === 'status') {
      return { command, arguments: {} };
    }
    const nonce = given.challengeNonce;
    if (typeof nonce !== 'string') {
      return errorReply(Codes.INVALID_ARGUMENT, '"challengeNonce" must be a string.');
    }
    if (
      nonce.length < MIN_CHALLENGE_LENGTH ||
      nonce.length > MAX_CHALLENGE_LENGTH ||
      !CHALLENGE_PATTERN.test(nonce)
    ) {
      return errorReply(Codes.INVALID_CHALLENGE);
    }
    const checked = { challengeNonce: nonce, timeout: DEFAULT_TIMEOUT_S };
    const lang = given.lang;
    if (lang !== undefined && lang !== null) {
      if (typeof lang !== 'string' || lang.length > 35 || !LANG_PATTERN.test(lang)) {
        return errorReply(Codes.INVALID_ARGUMENT, '"lang" must be a language tag such as "nl".');
      }
      checked.lang = lang;
    }
    if (given.timeout !== undefined && given.timeout !== null) {
      const t = given.timeout;
      if (!Number.isInteger(t) || t < MIN_TIMEOUT_S || t > MAX_TIMEOUT_S) {
        return errorReply(Codes.INVALID_ARGUMENT, '"timeout" must be 1 to 600 seconds.');
      }
      checked.timeout = t;
    }
    return { command, arguments: checked };
  }

  // A window message the content script should look at: ours (prefix) and a request. Returns
  // null for anything else, which the content script then ignores without a reply.
  function isPageRequest(data) {
    return isPlainObject(data) && data.type === REQUEST;
  }

  function isRequestId(id) {
    return typeof id === 'string' && REQUEST_ID_PATTERN.test(id);
  }

  // A page's `saferchat:cancel` {id}: it gave up waiting for its request `id`.
  function isPageCancel(data) {
    return isPlainObject(data) && data.type === CANCEL && isRequestId(data.id);
  }

  // The content script numbers its requests on its port (1, 2, …); the background answers with
  // the same number.
  function isSequence(value) {
    return Number.isSafeInteger(value) && value > 0;
  }

  // -- Settings --

  function validSetting(name, value) {
    switch (name) {
      case 'allowHttpLocalhost':
        return typeof value === 'boolean';
      case 'connectionMode':
        return CONNECTION_MODES.includes(value);
      case 'idleTimeoutSeconds':
        return Number.isInteger(value) && value >= MIN_IDLE_TIMEOUT_S && value <= MAX_IDLE_TIMEOUT_S;
      default:
        return false;
    }
  }

  // The settings in force: per setting, the managed value when valid, else the local value when
  // valid, else the default. `managed` and `local` are what storage.*.get returned (or {}).
  function effectiveSettings(managed, local) {
    const settings = {};
    for (const name of SETTING_NAMES) {
      const sources = [managed, local].filter(isPlainObject);
      const found = sources.find((source) => validSetting(name, source[name]));
      settings[name] = found ? found[name] : DEFAULT_SETTINGS[name];
    }
    return settings;
  }

  // How long a layer waits for the answer to a checked request.
  function backgroundTimeoutMs(request) {
    return request.command === 'status'
      ? STATUS_TIMEOUT_MS
      : request.arguments.timeout * 1000 + BACKGROUND_MARGIN_MS;
  }
  function contentTimeoutMs(request) {
    return backgroundTimeoutMs(request) + CONTENT_MARGIN_MS;
  }

  // -- Origins (docs/protocol.md §3.5) --

  // The origin of the page that sent a message, from the browser's record of the sender
  // (runtime.MessageSender), never from the message. Chromium fills sender.origin; Firefox does
  // not, so the origin of sender.url is used there. Returns null when there is none.
  function senderOrigin(sender) {
    if (!isPlainObject(sender)) {
      return null;
    }
    let origin = null;
    if (typeof sender.origin === 'string') {
      origin = sender.origin;
    } else if (typeof sender.url === 'string') {
      try {
        origin = new URL(sender.url).origin;
      } catch {
        origin = null;
      }
    }
    // Opaque origins (sandboxed frames, data: URLs) serialise as "null".
    return origin === null || origin === 'null' ? null : origin;
  }

  function isLocalhostName(hostname) {
    return LOCALHOST_NAMES.includes(hostname);
  }

  // null when `origin` may ask for a token, else the error reply. https only; http://localhost,
  // 127.0.0.1 and [::1] only with the development setting (allowHttpLocalhost).
  function checkOrigin(origin, allowHttpLocalhost) {
    if (typeof origin !== 'string' || origin.length > MAX_ORIGIN_LENGTH) {
      return errorReply(Codes.INSECURE_CONTEXT);
    }
    let url;
    try {
      url = new URL(origin);
    } catch {
      return errorReply(Codes.INSECURE_CONTEXT);
    }
    if (url.origin !== origin) {
      return errorReply(Codes.INSECURE_CONTEXT); // a path, user info or other non-origin form
    }
    if (url.protocol === 'https:') {
      return null;
    }
    if (url.protocol === 'http:' && isLocalhostName(url.hostname) && allowHttpLocalhost === true) {
      return null;
    }
    return errorReply(Codes.INSECURE_CONTEXT);
  }

  // true for http://localhost, 127.0.0.1 and [::1] origins: only they need the development
  // setting read (reading storage.managed first costs seconds in Chromium).
  function isHttpLocalhostOrigin(origin) {
    try {
      const url = new URL(origin);
      return url.protocol === 'http:' && isLocalhostName(url.hostname);
    } catch {
      return false;
    }
  }

  // What the content script decides alone from the page's location: https goes on, http to a
  // localhost name goes on to the background (which knows the development setting), the rest is
  // refused at once.
  function pageMayAsk(protocol, hostname) {
    return protocol === 'https:' || (protocol === 'http:' && isLocalhostName(hostname));
  }

  // -- The host's messages (docs/protocol.md §4) --

  // The browser's reason for a native port that closed, as a code. Chromium sets
  // runtime.lastError, Firefox port.error; the wording of a missing host differs.
  function disconnectError(message) {
    const text = typeof message === 'string' ? message : '';
    if (
      text.includes('Specified native messaging host not found') ||
      text.includes('No such native application') ||
      text.includes('Access to the specified native messaging host is forbidden')
    ) {
      return errorReply(Codes.HOST_MISSING);
    }
    return errorReply(Codes.HOST_FAILED);
  }

  // A host error object, passed through when it is well formed.
  function hostError(error) {
    if (!isPlainObject(error) || !isErrorCode(error.code)) {
      return errorReply(Codes.HOST_FAILED);
    }
    return errorReply(error.code, shortMessage(error));
  }

  // The host's first message: { event: "ready", hostVersion, protocolVersion } (§4.1), or an
  // error (a refused caller, §1). Returns null when ready, else the error reply.
  function checkReady(message) {
    if (isPlainObject(message) && message.event === 'ready') {
      return HOST_PROTOCOL_VERSIONS.includes(message.protocolVersion)
        ? null
        : errorReply(Codes.HOST_INCOMPATIBLE);
    }
    if (isPlainObject(message) && 'error' in message) {
      return hostError(message.error);
    }
    return errorReply(Codes.HOST_FAILED);
  }

  const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;
  // JWA names of the Web eID format.
  const TOKEN_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256',
    'PS384', 'PS512'];

  // Padded base64 (RFC 4648 §4) of at most maxLength characters.
  function isBase64(value, maxLength) {
    return (
      typeof value === 'string' &&
      value.length <= maxLength &&
      value.length % 4 === 0 &&
      BASE64_PATTERN.test(value)
    );
  }

  // The authentication token (§4.3), copied field by field.
  function checkToken(result) {
    if (
      !isPlainObject(result) ||
      !isBase64(result.unverifiedCertificate, 16384) ||
      !TOKEN_ALGORITHMS.includes(result.algorithm) ||
      !isBase64(result.signature, 1024) ||
      result.format !== 'web-eid:1.0' ||
      typeof result.appVersion !== 'string' ||
      result.appVersion.length > 200
    ) {
      return null;
    }
    return {
      unverifiedCertificate: result.unverifiedCertificate,
      algorithm: result.algorithm,
      signature: result.signature,
      format: result.format,
      appVersion: result.appVersion,
    };
  }

  // The `version` result (§3.1) as the host half of status() (§8.3).
  function hostStatus(result) {
    if (
      !isPlainObject(result) ||
      typeof result.hostVersion !== 'string' ||
      result.hostVersion.length > 64 ||
      !Number.isInteger(result.protocolVersion)
    ) {
      return null;
    }
    const pcsc = isPlainObject(result.pcsc) ? result.pcsc : {};
    return {
      present: true,
      version: result.hostVersion,
      protocolVersion: result.protocolVersion,
      pcsc: {
        reachable: pcsc.reachable === true,
        readerCount: Number.isInteger(pcsc.readerCount) ? pcsc.readerCount : 0,
      },
    };
  }

  // Whether a host that sent this (checked) ready message serves many requests on one
  // connection (§3.6).
  function servesManyRequests(readyMessage) {
    return readyMessage.protocolVersion >= WARM_PROTOCOL_VERSION;
  }

  // The `id` of a host reply (§4.2), or undefined when it has none.
  function hostReplyId(message) {
    return isPlainObject(message) ? message.id : undefined;
  }

  // The reply to our request `id` (§4.2): { result } (checked for `command`) or { error }.
  function checkHostReply(message, id, command) {
    if (!isPlainObject(message) || message.id !== id) {
      return errorReply(Codes.HOST_FAILED);
    }
    if ('error' in message) {
      return hostError(message.error);
    }
    const result = command === 'version'
      ? hostStatus(message.result)
      : checkToken(message.result) ?? checkSealedToken(message.result);
    return result === null ? errorReply(Codes.HOST_FAILED) : { result };
  }

  // A reply the content script got from the background, before it goes to the page.
  function checkBackgroundReply(reply) {
    if (isPlainObject(reply) && isPlainObject(reply.result)) {
      return { result: reply.result };
    }
    if (isPlainObject(reply) && isPlainObject(reply.error) && isErrorCode(reply.error.code)) {
      return errorReply(reply.error.code, shortMessage(reply.error));
    }
    return errorReply(Codes.EXTENSION_FAILED);
  }

  // -- Only when the child acts (issue 14; docs/protocol.md §8.5) --
  //
  // The content script reports, with each request, what it sees in the page's top frame from
  // its isolated world (page scripts cannot reach it):
  //   { visible, focused, active, gestureAgeMs, fresh, sentAt }
  // visible: document.visibilityState === 'visible'; focused: document.hasFocus(); active:
  // navigator.userActivation.isActive; gestureAgeMs: milliseconds since the last trusted
  // activation-triggering event it saw (keydown, mousedown, pointerdown, pointerup, touchend;
  // HTML "activation-triggering input event"), or null; fresh: that gesture has not yet been
  // used by an authenticate request (one gesture, one dialog); sentAt: Date.now() when sent.

  // How long a gesture counts, as the browsers' transient activation (about 5 s).
  const GESTURE_WINDOW_MS = 5000;
  // After the child pressed Stop: the same origin waits 5 s, then 10, 20, … up to 5 minutes;
  // a login that succeeds, or an hour without a Stop, starts over.
  const BACKOFF_FIRST_MS = 5000;
  const BACKOFF_MAX_MS = 300000;
  const BACKOFF_FORGET_MS = 3600000;

  // The report, checked and copied (the background gets it from the content script), or null.
  function checkActivationReport(report) {
    if (!isPlainObject(report)) {
      return null;
    }
    const age = report.gestureAgeMs;
    if (
      typeof report.visible !== 'boolean' ||
      typeof report.focused !== 'boolean' ||
      typeof report.active !== 'boolean' ||
      typeof report.fresh !== 'boolean' ||
      !Number.isFinite(report.sentAt) ||
      !(age === null || (Number.isFinite(age) && age >= 0))
    ) {
      return null;
    }
    return {
      visible: report.visible,
      focused: report.focused,
      active: report.active,
      fresh: report.fresh,
      gestureAgeMs: age,
      sentAt: report.sentAt,
    };
  }

  // Whether the page is the one the child looks at (visible and focused) and the child acted on
  // it just now. null when `command` may go on, else the error reply. `status` needs the same
  // as `authenticate` except a fresh gesture (it opens no dialog); the background answers a
  // status without one itself (statusWithoutHost).
  function checkAttention(command, report) {
    const checked = checkActivationReport(report);
    if (checked === null) {
      return errorReply(Codes.USER_ACTIVATION_REQUIRED);
    }
    if (!checked.visible || !checked.focused) {
      return errorReply(Codes.PAGE_NOT_ACTIVE);
    }
    const recent = checked.active && checked.gestureAgeMs !== null &&
      checked.gestureAgeMs <= GESTURE_WINDOW_MS;
    if (!recent || (command === 'authenticate' && !checked.fresh)) {
      return errorReply(Codes.USER_ACTIVATION_REQUIRED);
    }
    return null;
  }

  // The browser's record of the tab, as the background reads it (tabs.get, windows.get): the
  // tab must be its window's active tab and the window focused.
  function checkTabState(tab, window) {
    if (!isPlainObject(tab) || tab.active !== true || !isPlainObject(window) || window.focused !== true) {
      return errorReply(Codes.PAGE_NOT_ACTIVE);
    }
    return null;
  }

  // status() before the child acted, or for a site that may not ask: the extension is there,
  // nothing more; the host is neither started nor asked (§8.2).
  function statusWithoutHost(version, code) {
    return {
      result: {
        extension: { present: true, version },
        host: { present: null, version: null, error: code },
      },
    };
  }

  // Errors that arise before the PIN dialog and would tell a page which card is in the reader:
  // the host tells the child why in its dialog; the page gets one code for all of them.
  const CARD_ERRORS_BEFORE_DIALOG = [
    'ERR_SAFERCHAT_NO_AUTH_CERTIFICATE',
    'ERR_SAFERCHAT_UNKNOWN_CARD',
    'ERR_SAFERCHAT_CARD_BUSY',
  ];
  function collapseCardErrors(reply) {
    if (isPlainObject(reply) && isPlainObject(reply.error) &&
      CARD_ERRORS_BEFORE_DIALOG.includes(reply.error.code)) {
      return errorReply(Codes.CARD_NOT_USABLE);
    }
    return reply;
  }

  // Per origin: how long after the child pressed Stop before it may ask again. `now` in ms.
  class BackOff {
    constructor() {
      this.origins = new Map(); // origin → { until, nextMs, last }
    }

    // Milliseconds the origin still has to wait (0: it may ask).
    remainingMs(origin, now) {
      const entry = this.entry(origin, now);
      return entry === undefined ? 0 : Math.max(0, entry.until - now);
    }

    // The child pressed Stop in a dialog for `origin`.
    stopped(origin, now) {
      const entry = this.entry(origin, now) ?? { nextMs: BACKOFF_FIRST_MS };
      const waitMs = entry.nextMs;
      this.origins.set(origin, {
        until: now + waitMs,
        nextMs: Math.min(waitMs * 2, BACKOFF_MAX_MS),
        last: now,
      });
    }

    // A login for `origin` succeeded: the next Stop starts with the shortest wait again.
    succeeded(origin) {
      this.origins.delete(origin);
    }

    // What storage.session keeps, so that a restarted background still makes the site wait.
    entries() {
      return [...this.origins.entries()].map(([origin, entry]) => ({ origin, ...entry }));
    }

    // Takes back what entries() gave (anything malformed is left out).
    restore(entries) {
      if (!Array.isArray(entries)) {
        return;
      }
      for (const entry of entries) {
        if (isPlainObject(entry) && typeof entry.origin === 'string' &&
          [entry.until, entry.nextMs, entry.last].every(Number.isFinite) &&
          !this.origins.has(entry.origin)) {
          this.origins.set(entry.origin, { until: entry.until, nextMs: entry.nextMs, last: entry.last });
        }
      }
    }

    entry(origin, now) {
      const entry = this.origins.get(origin);
      if (entry !== undefined && now - entry.last > BACKOFF_FORGET_MS) {
        this.origins.delete(origin);
        return undefined;
      }
      return entry;
    }
  }

  // A dialog never follows another origin's dialog without a gesture in between: the last
  // dialog that ended ({ origin, endedAt }) and the time of this request's gesture.
  function gestureAfterOtherDialog(lastDialog, origin, gestureAt) {
    if (lastDialog === null || lastDialog.origin === origin) {
      return true;
    }
    return gestureAt > lastDialog.endedAt;
  }

  // -- Sites that may ask (issue 14; docs/parents.md) --
  //
  // `allowedSites`, a list of sites, from storage.managed (a school's or parent's browser
  // policy) or storage.local (the options page, behind the parent PIN). When a list is in force,
  // only its origins may ask; with none, every https site may ask.
  const SITE_LIST_KEY = 'allowedSites';
  const PARENT_PIN_KEY = 'parentPin';
  const MAX_SITES = 200;
  // PBKDF2-HMAC-SHA-256 (RFC 8018 §5.2), 600 000 iterations (OWASP's figure for SHA-256), a
  // 16-byte random salt, 32 bytes out.
  const PARENT_PIN_ITERATIONS = 600000;
  const MIN_PARENT_PIN_LENGTH = 6;
  const MAX_PARENT_PIN_LENGTH = 64;

  // A site as a parent or a policy writes it ("kinderchat.be", "https://kinderchat.be/room")
  // → its origin ("https://kinderchat.be"), or null. https; http only for localhost names (which
  // still need the development switch to ask).
  function siteOrigin(text) {
    if (typeof text !== 'string') {
      return null;
    }
    const trimmed = text.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_ORIGIN_LENGTH) {
      return null;
    }
    const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(trimmed) && trimmed.includes('//')
      ? trimmed
      : `https://${trimmed}`;
    let url;
    try {
      url = new URL(withScheme);
    } catch {
      return null;
    }
    if (url.username !== '' || url.password !== '' || url.hostname === '') {
      return null;
    }
    if (url.protocol === 'https:' || (url.protocol === 'http:' && isLocalhostName(url.hostname))) {
      return url.origin;
    }
    return null;
  }

  // The list in force, { from: 'policy' | 'parent', origins }, or null (no list: every https
  // site may ask). The policy's list wins when it holds at least one entry; an empty list is no
  // list. Entries that are no site are left out, but the list still counts: a list of typos
  // lets no site ask rather than every site.
  function effectiveSiteList(managed, local) {
    const sources = [['policy', managed], ['parent', local]];
    for (const [from, source] of sources) {
      const list = isPlainObject(source) ? source[SITE_LIST_KEY] : undefined;
      if (Array.isArray(list) && list.length > 0) {
        const origins = list.slice(0, MAX_SITES).map(siteOrigin).filter((origin) => origin !== null);
        return { from, origins: [...new Set(origins)] };
      }
    }
    return null;
  }

  // null when `origin` may ask under `siteList` (effectiveSiteList), else the error reply.
  function checkSiteList(siteList, origin) {
    if (siteList === null || siteList.origins.includes(origin)) {
      return null;
    }
    return errorReply(Codes.ORIGIN_NOT_ALLOWED);
  }

  function validParentPin(pin) {
    return typeof pin === 'string' && pin.length >= MIN_PARENT_PIN_LENGTH &&
      pin.length <= MAX_PARENT_PIN_LENGTH;
  }

  function toBase64(bytes) {
    return btoa(String.fromCharCode(...bytes));
  }
  function fromBase64(text) {
    return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  async function pbkdf2(pin, salt, iterations) {
    const subtle = globalThis.crypto.subtle;
    const key = await subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false,
      ['deriveBits']);
    const bits = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
      key, 256);
    return new Uint8Array(bits);
  }

  // What storage.local keeps of the parent PIN: never the PIN, only its PBKDF2 hash and salt.
  async function newParentPinRecord(pin) {
    if (!validParentPin(pin)) {
      throw new Error('The parent PIN must be 6 to 64 characters.');
    }
    const salt = globalThis.crypto.getRandomValues(new Uint8Array(16));
    const hash = await pbkdf2(pin, salt, PARENT_PIN_ITERATIONS);
    return { kdf: 'PBKDF2-SHA-256', iterations: PARENT_PIN_ITERATIONS, salt: toBase64(salt),
      hash: toBase64(hash) };
  }

  function isParentPinRecord(record) {
    return isPlainObject(record) && record.kdf === 'PBKDF2-SHA-256' &&
      Number.isInteger(record.iterations) && record.iterations >= 100000 &&
      record.iterations <= 10000000 && typeof record.salt === 'string' &&
      typeof record.hash === 'string';
  }

  // Whether `pin` is the parent PIN of `record` (compared in full, not stopping at the first
  // differing byte).
  async function parentPinMatches(record, pin) {
    if (!isParentPinRecord(record) || !validParentPin(pin)) {
      return false;
    }
    let expected;
    try {
      expected = fromBase64(record.hash);
    } catch {
      return false;
    }
    const actual = await pbkdf2(pin, fromBase64(record.salt), record.iterations);
    let difference = expected.length ^ actual.length;
    for (let i = 0; i < actual.length; i++) {
      difference |= actual[i] ^ (expected[i] ?? 0);
    }
    return difference === 0;
  }

  // -- Sealed tokens: the site's seal key (docs/protocol.md §8.6; the sealed-token contract) --
  //
  // A chat site that wants sealed tokens publishes its verification service's public key(s) at
  // GET <origin>/.well-known/saferchat-seal-key, a JWK Set (RFC 7517 §5). The background fetches
  // it itself (never a page script), checks it here, caches it per origin, and passes the
  // current key to the host as `sealKey`.
  const SEAL_KEY_PATH = '/.well-known/saferchat-seal-key';
  const SEAL_KEY_DEFAULT_AGE_S = 3600;
  const SEAL_KEY_MIN_AGE_S = 60;
  const SEAL_KEY_MAX_AGE_S = 86400;
  const MAX_SEAL_KEY_DOCUMENT = 65536; // bytes of JSON we read at most
  const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
  // base64url without padding (RFC 7515 §2) of exactly 32 bytes: 43 characters, the last one
  // carrying 4 zero bits.
  const B64URL_32_PATTERN = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
  const SEALED_FORMAT = 'saferchat-sealed:1';
  const MAX_JWE_LENGTH = 65536;

  function sealKeyUrl(origin) {
    return origin + SEAL_KEY_PATH;
  }

  // Cache-Control's max-age (RFC 9111 §5.2.2.1) in seconds, clamped to 60..86400; 3600 when
  // absent or malformed.
  function sealKeyMaxAgeSeconds(cacheControl) {
    const match = typeof cacheControl === 'string'
      ? /(?:^|,)\s*max-age\s*=\s*"?(\d{1,10})"?\s*(?:,|$)/i.exec(cacheControl)
      : null;
    const seconds = match ? Number(match[1]) : SEAL_KEY_DEFAULT_AGE_S;
    return Math.min(SEAL_KEY_MAX_AGE_S, Math.max(SEAL_KEY_MIN_AGE_S, seconds));
  }

  // One public JWK, checked strictly, copied with the members the host reads: EC P-256 (x, y)
  // or OKP X25519 (x), each coordinate 32 bytes; kid 1 to 64 of [A-Za-z0-9._-]. null if not.
  function checkSealJwk(jwk) {
    if (!isPlainObject(jwk) || 'd' in jwk || typeof jwk.kid !== 'string' || !KID_PATTERN.test(jwk.kid)) {
      return null;
    }
    const coordinate = (value) => typeof value === 'string' && B64URL_32_PATTERN.test(value);
    if (jwk.kty === 'EC' && jwk.crv === 'P-256' && coordinate(jwk.x) && coordinate(jwk.y)) {
      return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, kid: jwk.kid };
    }
    if (jwk.kty === 'OKP' && jwk.crv === 'X25519' && coordinate(jwk.x) && !('y' in jwk)) {
      return { kty: 'OKP', crv: 'X25519', x: jwk.x, kid: jwk.kid };
    }
    return null;
  }

  // The current key of a JWK Set: the first whose use is "enc" (or absent) and whose alg is
  // "ECDH-ES" (or absent), checked. Returns { key } or { error } (why the set was not taken: it
  // is then logged, and the site's tokens go unsealed). A set holding any private key ("d") is
  // refused as a whole.
  function selectSealKey(document) {
    if (!isPlainObject(document) || !Array.isArray(document.keys)) {
      return { error: 'not a JWK Set' };
    }
    if (document.keys.some((key) => isPlainObject(key) && 'd' in key)) {
      return { error: 'a private key in the set' };
    }
    const current = document.keys.find((key) => isPlainObject(key) &&
      (key.use === undefined || key.use === 'enc') &&
      (key.alg === undefined || key.alg === 'ECDH-ES'));
    if (current === undefined) {
      return { error: 'no ECDH-ES encryption key in the set' };
    }
    const key = checkSealJwk(current);
    return key === null ? { error: 'the current key is not a P-256 or X25519 public key with a kid' } : { key };
  }

  // A sealed reply's `result`: { format: "saferchat-sealed:1", kid, jwe } with jwe in the JWE
  // compact serialization (RFC 7516 §7.1) of direct key agreement: five base64url parts, the
  // encrypted key empty. Copied field by field, or null.
  function checkSealedToken(result) {
    if (
      !isPlainObject(result) ||
      result.format !== SEALED_FORMAT ||
      typeof result.kid !== 'string' ||
      !KID_PATTERN.test(result.kid) ||
      typeof result.jwe !== 'string' ||
      result.jwe.length > MAX_JWE_LENGTH ||
      !/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(result.jwe)
    ) {
      return null;
    }
    return { format: result.format, kid: result.kid, jwe: result.jwe };
  }

  global.SaferChatCommon = Object.freeze({
    HOST_NAME,
    PORT_NAME,
    MESSAGE_PREFIX,
    REQUEST,
    ACK,
    REPLY,
    CANCEL,
    READY_TIMEOUT_MS,
    DEFAULT_SETTINGS,
    SETTING_NAMES,
    Codes,
    MESSAGES,
    errorReply,
    checkRequest,
    isPageRequest,
    isRequestId,
    isPageCancel,
    isSequence,
    effectiveSettings,
    backgroundTimeoutMs,
    contentTimeoutMs,
    senderOrigin,
    checkOrigin,
    isHttpLocalhostOrigin,
    pageMayAsk,
    disconnectError,
    checkReady,
    servesManyRequests,
    hostReplyId,
    checkHostReply,
    checkBackgroundReply,
    GESTURE_WINDOW_MS,
    BACKOFF_FIRST_MS,
    BACKOFF_MAX_MS,
    checkActivationReport,
    checkAttention,
    checkTabState,
    statusWithoutHost,
    collapseCardErrors,
    BackOff,
    gestureAfterOtherDialog,
    SITE_LIST_KEY,
    PARENT_PIN_KEY,
    PARENT_PIN_ITERATIONS,
    siteOrigin,
    effectiveSiteList,
    checkSiteList,
    validParentPin,
    newParentPinRecord,
    isParentPinRecord,
    parentPinMatches,
    SEAL_KEY_PATH,
    SEALED_FORMAT,
    sealKeyUrl,
    sealKeyMaxAgeSeconds,
    checkSealJwk,
    selectSealKey,
    checkSealedToken,
  });
})(globalThis);
