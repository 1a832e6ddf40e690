// SPDX-License-Identifier: Apache-2.0
// Safer Chat page API: what a chat provider's page calls to ask for a token from the child's ID
// card (docs/integration.md). It talks to the Safer Chat extension's content script through
// window.postMessage (docs/protocol.md §8). No dependencies.
//
//   import { status, authenticate, SaferChatError } from './saferchat.mjs';
//   const token = await authenticate(challengeNonce, { lang: 'nl', timeout: 120 });
//
// The build (extension/build.mjs) also makes saferchat.js, a plain script that defines the
// global `SaferChat` with the same names; keep the one `export { … }` line at the end.

const VERSION = '0.1.0';

const REQUEST = 'saferchat:request';
const ACK = 'saferchat:ack';
const REPLY = 'saferchat:reply';
const CANCEL = 'saferchat:cancel';

// How long the extension has to acknowledge a request: it does so at once, so silence means
// it is not there. Generous, for a busy computer.
const ACK_TIMEOUT_MS = 2000;
// Beyond the request's own timeout: the host's start, the card, and each layer's margin.
const REPLY_MARGIN_MS = 45000;
const STATUS_REPLY_TIMEOUT_MS = 45000;
const DEFAULT_TIMEOUT_S = 120;

// Every code a page may see (docs/protocol.md §5 and §8.4). Branch on these, never on messages.
const ErrorCode = Object.freeze({
  // The extension and the program on the computer
  EXTENSION_MISSING: 'ERR_SAFERCHAT_EXTENSION_MISSING',
  EXTENSION_FAILED: 'ERR_SAFERCHAT_EXTENSION_FAILED',
  HOST_MISSING: 'ERR_SAFERCHAT_HOST_MISSING',
  HOST_FAILED: 'ERR_SAFERCHAT_HOST_FAILED',
  HOST_INCOMPATIBLE: 'ERR_SAFERCHAT_HOST_INCOMPATIBLE',
  CALLER_NOT_ALLOWED: 'ERR_SAFERCHAT_CALLER_NOT_ALLOWED',
  TIMEOUT: 'ERR_SAFERCHAT_TIMEOUT',
  INTERNAL: 'ERR_SAFERCHAT_INTERNAL',
  HOST_BUSY: 'ERR_SAFERCHAT_HOST_BUSY',
  REQUEST_CANCELLED: 'ERR_SAFERCHAT_REQUEST_CANCELLED',
  // The page
  INSECURE_CONTEXT: 'ERR_SAFERCHAT_INSECURE_CONTEXT',
  REQUEST_PENDING: 'ERR_SAFERCHAT_REQUEST_PENDING',
  INVALID_ARGUMENT: 'ERR_SAFERCHAT_INVALID_ARGUMENT',
  INVALID_CHALLENGE: 'ERR_SAFERCHAT_INVALID_CHALLENGE',
  INVALID_ORIGIN: 'ERR_SAFERCHAT_INVALID_ORIGIN',
  ORIGIN_NOT_ALLOWED: 'ERR_SAFERCHAT_ORIGIN_NOT_ALLOWED',
  // Only when the child acts (docs/protocol.md §8.5): ask from a click or key press on the
  // visible page, never on your own
  USER_ACTIVATION_REQUIRED: 'ERR_SAFERCHAT_USER_ACTIVATION_REQUIRED',
  PAGE_NOT_ACTIVE: 'ERR_SAFERCHAT_PAGE_NOT_ACTIVE',
  RETRY_LATER: 'ERR_SAFERCHAT_RETRY_LATER',
  ANOTHER_SITE_ASKING: 'ERR_SAFERCHAT_ANOTHER_SITE_ASKING',
  FRAME_NOT_SUPPORTED: 'ERR_SAFERCHAT_FRAME_NOT_SUPPORTED',
  // The child
  USER_CANCELLED: 'ERR_SAFERCHAT_USER_CANCELLED',
  USER_TIMEOUT: 'ERR_SAFERCHAT_USER_TIMEOUT',
  PIN_DIALOG_FAILED: 'ERR_SAFERCHAT_PIN_DIALOG_FAILED',
  PIN_INVALID_FORMAT: 'ERR_SAFERCHAT_PIN_INVALID_FORMAT',
  PIN_WRONG: 'ERR_SAFERCHAT_PIN_WRONG',
  PIN_BLOCKED: 'ERR_SAFERCHAT_PIN_BLOCKED',
  // The reader and the card
  PCSC_UNAVAILABLE: 'ERR_SAFERCHAT_PCSC_UNAVAILABLE',
  NO_READER: 'ERR_SAFERCHAT_NO_READER',
  NO_CARD: 'ERR_SAFERCHAT_NO_CARD',
  CARD_REMOVED: 'ERR_SAFERCHAT_CARD_REMOVED',
  CARD_RESET: 'ERR_SAFERCHAT_CARD_RESET',
  CARD_BUSY: 'ERR_SAFERCHAT_CARD_BUSY',
  CARD_COMMUNICATION: 'ERR_SAFERCHAT_CARD_COMMUNICATION',
  UNKNOWN_CARD: 'ERR_SAFERCHAT_UNKNOWN_CARD',
  CARD_ERROR: 'ERR_SAFERCHAT_CARD_ERROR',
  NO_AUTH_CERTIFICATE: 'ERR_SAFERCHAT_NO_AUTH_CERTIFICATE',
  // What a page gets instead of NO_AUTH_CERTIFICATE, UNKNOWN_CARD and CARD_BUSY (the child is
  // told which in the dialog).
  CARD_NOT_USABLE: 'ERR_SAFERCHAT_CARD_NOT_USABLE',
});

// The one error type of this API: `code` is one of ErrorCode (or a newer code of the same form).
class SaferChatError extends Error {
  constructor(code, message) {
    super(message || code);
    this.name = 'SaferChatError';
    this.code = code;
  }
}

// docs/protocol.md §3.4; the extension and the host check again.
const CHALLENGE_PATTERN = /^[A-Za-z0-9+/_-]+={0,2}$/;
const LANG_PATTERN = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$/;

const OPTION_NAMES = ['lang', 'timeout'];

// An option name this API does not know (a typo such as `language` or `timeOut`), or undefined.
function unknownOption(options) {
  return Object.keys(options).find((name) => !OPTION_NAMES.includes(name));
}

function checkOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new SaferChatError(ErrorCode.INVALID_ARGUMENT, 'options must be an object');
  }
  const unknown = unknownOption(options);
  if (unknown !== undefined) {
    throw new SaferChatError(ErrorCode.INVALID_ARGUMENT,
      `unknown option "${unknown}" (known: ${OPTION_NAMES.join(', ')})`);
  }
  const { lang, timeout = DEFAULT_TIMEOUT_S } = options;
  const langValid = typeof lang === 'string' && lang.length <= 35 && LANG_PATTERN.test(lang);
  if (lang !== undefined && !langValid) {
    throw new SaferChatError(ErrorCode.INVALID_ARGUMENT, 'lang must be a tag such as "nl"');
  }
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600) {
    throw new SaferChatError(ErrorCode.INVALID_ARGUMENT, 'timeout must be 1 to 600 seconds');
  }
  return lang === undefined ? { timeout } : { lang, timeout };
}

// The extension serves a tab's top page only (its content script runs in no frame), so a page in
// a frame would wait for an acknowledgement that never comes: it is told at once instead.
function inFrame() {
  try {
    return window.top !== window.self;
  } catch {
    return true;
  }
}

function newRequestId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

// Sends one request to the extension and settles with its reply. Rejects with
// EXTENSION_MISSING when nothing acknowledges it within ACK_TIMEOUT_MS.
function send(command, args, replyTimeoutMs) {
  return new Promise((resolve, reject) => {
    const id = newRequestId();
    const origin = window.location.origin;
    let timer = null;
    if (inFrame()) {
      const why = 'Safer Chat works only in the top page of a tab, not in a frame.';
      reject(new SaferChatError(ErrorCode.FRAME_NOT_SUPPORTED, why));
      return;
    }
    if (origin === 'null') {
      // A sandboxed frame, a file: or data: page: no origin to sign for.
      const why = 'Safer Chat works only on https pages.';
      reject(new SaferChatError(ErrorCode.INSECURE_CONTEXT, why));
      return;
    }

    function settle(fn, value) {
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      fn(value);
    }
    function onMessage(event) {
      // Only our own window, from our own origin, answering this very request: a frame or
      // another window cannot inject an answer.
      if (event.source !== window || event.origin !== origin) {
        return;
      }
      const data = event.data;
      if (data === null || typeof data !== 'object' || data.id !== id) {
        return;
      }
      if (data.type === ACK) {
        clearTimeout(timer);
        timer = setTimeout(() => {
          // Tell the extension we gave up, so that the PIN dialog does not stay open.
          window.postMessage({ type: CANCEL, id }, origin);
          const late = new SaferChatError(ErrorCode.TIMEOUT, 'Safer Chat did not answer in time.');
          settle(reject, late);
        }, replyTimeoutMs);
      } else if (data.type === REPLY) {
        if (data.error && typeof data.error.code === 'string') {
          settle(reject, new SaferChatError(data.error.code, data.error.message));
        } else if (data.result && typeof data.result === 'object') {
          settle(resolve, data.result);
        } else {
          settle(reject, new SaferChatError(ErrorCode.EXTENSION_FAILED, 'Malformed reply.'));
        }
      }
    }

    window.addEventListener('message', onMessage);
    timer = setTimeout(() => {
      settle(reject, new SaferChatError(ErrorCode.EXTENSION_MISSING,
        'The Safer Chat extension is not installed or not enabled.'));
    }, ACK_TIMEOUT_MS);
    window.postMessage({ type: REQUEST, id, command, arguments: args }, origin);
  });
}

// What is installed: { extension: { present, version }, host: { present, version,
// protocolVersion, pcsc: { reachable, readerCount } } }. A missing extension or program is
// data here, not an error; when the program is missing or failed, host.error holds the code.
// Before the child clicked or typed on the page (or on a site not on the parents' list), the
// program is not asked: host is { present: null, version: null, error } with error
// USER_ACTIVATION_REQUIRED, PAGE_NOT_ACTIVE or ORIGIN_NOT_ALLOWED.
// Rejects with SaferChatError for FRAME_NOT_SUPPORTED (called in a frame), INSECURE_CONTEXT and
// REQUEST_PENDING.
async function status() {
  try {
    return await send('status', {}, STATUS_REPLY_TIMEOUT_MS);
  } catch (error) {
    if (error instanceof SaferChatError && error.code === ErrorCode.EXTENSION_MISSING) {
      return {
        extension: { present: false, version: null },
        host: { present: false, version: null, error: ErrorCode.EXTENSION_MISSING },
      };
    }
    throw error;
  }
}

// Asks the child's card to sign `challengeNonce` (from your server) for this page's origin.
// Call it from the child's click or key press (a "Join" button): without one it rejects with
// USER_ACTIVATION_REQUIRED. Resolves with the token (docs/protocol.md §4.3; sealed to your
// verification service when your site publishes its key, docs/integration.md) to send to
// your server with the nonce;
// rejects with SaferChatError. options: lang (BCP 47, e.g. "nl", "fr-BE": the PIN dialog's
// language), timeout (seconds the child has, 1 to 600, default 120); any other option is
// refused with INVALID_ARGUMENT.
async function authenticate(challengeNonce, options = {}) {
  if (typeof challengeNonce !== 'string') {
    throw new SaferChatError(ErrorCode.INVALID_ARGUMENT, 'challengeNonce must be a string');
  }
  if (challengeNonce.length < 44 || challengeNonce.length > 128 ||
    !CHALLENGE_PATTERN.test(challengeNonce)) {
    throw new SaferChatError(ErrorCode.INVALID_CHALLENGE,
      'The challenge nonce is not 44 to 128 characters of base64.');
  }
  const checked = checkOptions(options);
  const replyTimeoutMs = checked.timeout * 1000 + REPLY_MARGIN_MS;
  return send('authenticate', { challengeNonce, ...checked }, replyTimeoutMs);
}

export { VERSION, ErrorCode, SaferChatError, status, authenticate };
