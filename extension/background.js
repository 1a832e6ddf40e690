// SPDX-License-Identifier: Apache-2.0
// The background (Chromium: service worker; Firefox: event page). Each page that uses Safer Chat
// opens one port to it (docs/protocol.md §8.3); requests come on that port. The background
// checks each request again, takes the page's origin from the browser's sender record, and asks
// the native host:
//   * warm (the default): over one long-lived native port for the whole browser profile
//     (host_connection.js WarmHost), opened by the first request, closed when it has been idle
//     for `idleTimeoutSeconds` or when no page that used Safer Chat is left;
//   * per-request (the `connectionMode` setting, and any host of protocol version 1): one host
//     process per request.
//
// Lifetime: an open native port keeps a Chromium service worker (Chrome 105+) and a Firefox event
// page alive, so the idle timer and the page list below live as long as the warm port. When the
// background is stopped anyway (no native port, nothing to do), the browser closes the native
// port and every page's port with it: a restarted background starts clean, and each page opens
// a new port on its next request.
'use strict';

// The Chromium service worker has one script; Firefox lists the other files before this one.
if (typeof importScripts === 'function' && typeof SaferChatHost === 'undefined') {
  importScripts('common.js', 'host_connection.js');
}

const C = globalThis.SaferChatCommon;
const H = globalThis.SaferChatHost;
const api = globalThis.browser ?? globalThis.chrome;

const hostDeps = {
  connectNative: () => api.runtime.connectNative(C.HOST_NAME),
  lastError: () => {
    const lastError = api.runtime.lastError;
    return lastError && typeof lastError.message === 'string' ? lastError.message : '';
  },
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};
const warmHost = new H.WarmHost(hostDeps);

// Pages that used Safer Chat and are still open: one entry per page port.
const pages = new Set();
// The request in progress per tab: one at a time per tab.
const busyTabs = new Map();

// -- Settings (extension/README.md) --

async function readSettings() {
  let managed = {};
  let local = {};
  try {
    managed = await api.storage.managed.get(C.SETTING_NAMES);
  } catch {
    // Firefox rejects when no managed storage manifest exists; that means "not set".
  }
  try {
    local = await api.storage.local.get(C.SETTING_NAMES);
  } catch {
    // No local storage: the defaults.
  }
  return C.effectiveSettings(managed, local);
}

function applySettings(settings) {
  warmHost.setIdleTimeout(settings.idleTimeoutSeconds * 1000);
  if (settings.connectionMode === 'per-request' && warmHost.open && !warmHost.busy) {
    warmHost.close();
  }
}

// Read once when the background starts (Chromium's first storage.managed read after the
// browser starts takes seconds), again when either storage area changes.
let settings = readSettings();
settings.then(applySettings);
api.storage.onChanged.addListener((changes, area) => {
  if ((area === 'local' || area === 'managed') && C.SETTING_NAMES.some((name) => name in changes)) {
    settings = readSettings();
    settings.then(applySettings);
  }
});

// -- Sites that may ask (docs/parents.md) --

// The list in force (C.effectiveSiteList), read like the settings: at start and on changes.
async function readSiteList() {
  let managed = {};
  let local = {};
  try {
    managed = await api.storage.managed.get(C.SITE_LIST_KEY);
  } catch {
    // No policy.
  }
  try {
    local = await api.storage.local.get(C.SITE_LIST_KEY);
  } catch {
    // No list.
  }
  return C.effectiveSiteList(managed, local);
}
let siteList = readSiteList();
api.storage.onChanged.addListener((changes, area) => {
  if ((area === 'local' || area === 'managed') && C.SITE_LIST_KEY in changes) {
    siteList = readSiteList();
  }
});

// -- Sealed tokens: the site's seal key (docs/protocol.md §8.6) --

// Per origin: { key (the checked JWK, or null: this site does not seal), expiresAt (ms) }, or
// the fetch in progress (a promise of it).
const sealKeys = new Map();
const SEAL_KEY_FETCH_TIMEOUT_MS = 5000;
const SEAL_KEY_RETRY_MS = 60000; // after a failure other than 404

// Fetches <origin>/.well-known/saferchat-seal-key from the background: no cookies or other
// credentials, no redirects, not from the HTTP cache (the lifetime is ours), no referrer.
// Resolves with { key, maxAgeS }; never rejects.
async function fetchSealKey(origin) {
  const url = C.sealKeyUrl(origin);
  try {
    const response = await fetch(url, {
      method: 'GET',
      credentials: 'omit',
      redirect: 'error',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      headers: { Accept: 'application/jwk-set+json, application/json' },
      signal: AbortSignal.timeout(SEAL_KEY_FETCH_TIMEOUT_MS),
    });
    const maxAgeS = C.sealKeyMaxAgeSeconds(response.headers.get('Cache-Control'));
    if (response.status === 404) {
      return { key: null, maxAgeS }; // this site does not seal
    }
    if (response.status !== 200) {
      throw new Error(`HTTP ${response.status}`);
    }
    const text = await response.text();
    if (text.length > 65536) {
      throw new Error('the key set is larger than 64 KiB');
    }
    const selected = C.selectSealKey(JSON.parse(text));
    if ('error' in selected) {
      throw new Error(selected.error);
    }
    return { key: selected.key, maxAgeS };
  } catch (error) {
    console.warn(`Safer Chat: ${url} not used, tokens for this site go unsealed:`, String(error));
    return { key: null, maxAgeS: SEAL_KEY_RETRY_MS / 1000 };
  }
}

// The seal key of `origin`, from the cache while it lives, else fetched (one fetch at a time
// per origin); null when the site does not seal.
async function sealKeyFor(origin) {
  const cached = sealKeys.get(origin);
  if (cached instanceof Promise) {
    return (await cached).key;
  }
  if (cached !== undefined && cached.expiresAt > Date.now()) {
    return cached.key;
  }
  const fetching = fetchSealKey(origin).then(({ key, maxAgeS }) => {
    const entry = { key, expiresAt: Date.now() + maxAgeS * 1000 };
    sealKeys.set(origin, entry);
    return entry;
  });
  sealKeys.set(origin, fetching);
  return (await fetching).key;
}

// status() does not wait for the first managed read (2 to 3 s in Chromium after the browser
// starts: the join button would appear late). Until that read completes it goes by the local
// settings alone; every request that starts after the policy is known follows it, and
// authenticate() always waits for it.
let knownSettings = null; // the latest completed read, policy included
const localAtStart = api.storage.local.get(C.SETTING_NAMES).catch(() => ({}));
function rememberSettings(read) {
  read.then((value) => {
    if (read === settings) {
      knownSettings = value;
    }
  });
}
rememberSettings(settings);
api.storage.onChanged.addListener(() => rememberSettings(settings));

async function settingsWithoutWaitingForPolicy() {
  if (knownSettings !== null) {
    return knownSettings;
  }
  return C.effectiveSettings({}, await localAtStart);
}

// -- Requests --

function callHost(mode, command, args, replyTimeoutMs, signal) {
  if (mode === 'per-request') {
    return H.callOnce(hostDeps, command, args, replyTimeoutMs, signal);
  }
  return warmHost.call(command, args, replyTimeoutMs, signal);
}

async function status(mode, signal) {
  const extension = { present: true, version: api.runtime.getManifest().version };
  const timeoutMs = C.backgroundTimeoutMs({ command: 'status' });
  const reply = await callHost(mode, 'version', {}, timeoutMs, signal);
  if ('result' in reply) {
    return { result: { extension, host: reply.result } };
  }
  const present = reply.error.code !== C.Codes.HOST_MISSING;
  return { result: { extension, host: { present, version: null, error: reply.error.code } } };
}

// -- Only when the child acts (docs/protocol.md §8.5) --

// Stops per origin (the child pressed Stop), the authenticate requests running now (their
// origins), and the last login dialog that ended ({ origin, endedAt }).
const backOff = new C.BackOff();
const dialogsRunning = new Map(); // request → origin
let lastDialog = null;

// The back-off is kept in storage.session too (memory only, gone when the browser closes), so
// that a background the browser stopped and started again still makes the site wait.
const BACKOFF_KEY = 'backOff';
const backOffRestored = (async () => {
  try {
    backOff.restore((await api.storage.session.get(BACKOFF_KEY))[BACKOFF_KEY]);
  } catch {
    // No session storage: memory only.
  }
})();
function saveBackOff() {
  try {
    api.storage.session.set({ [BACKOFF_KEY]: backOff.entries() }).catch(() => {});
  } catch {
    // No session storage: memory only.
  }
}

// The browser's own record of the tab: its window's active tab, in the focused window.
async function tabRefusal(tabId) {
  try {
    const tab = await api.tabs.get(tabId);
    const window = await api.windows.get(tab.windowId);
    return C.checkTabState(tab, window);
  } catch {
    return C.errorReply(C.Codes.PAGE_NOT_ACTIVE); // the tab is gone
  }
}

// null when the page may go on with `request`, else the error reply: the tab's state, the
// content script's report (visible, focused, a recent gesture; a fresh one for authenticate),
// and for authenticate no Stop too recently (claimDialog does the rest).
async function attentionRefusal(page, request, attention) {
  const tab = await tabRefusal(page.tabId);
  const refusal = tab ?? C.checkAttention(request.command, attention);
  if (refusal !== null || request.command !== 'authenticate') {
    return refusal;
  }
  await backOffRestored;
  if (backOff.remainingMs(page.origin, Date.now()) > 0) {
    return C.errorReply(C.Codes.RETRY_LATER);
  }
  return null;
}

// Takes the dialog for the page's origin, or refuses: another origin's login runs (no queue
// behind its dialog), or this gesture came before another origin's dialog ended. Synchronous,
// so that two requests cannot both pass. Returns { claim } (for releaseDialog) or { error }.
function claimDialog(page, attention) {
  if ([...dialogsRunning.values()].some((origin) => origin !== page.origin)) {
    return C.errorReply(C.Codes.ANOTHER_SITE_ASKING);
  }
  const checked = C.checkActivationReport(attention);
  const gestureAt = Math.min(Date.now(), checked.sentAt) - checked.gestureAgeMs;
  if (!C.gestureAfterOtherDialog(lastDialog, page.origin, gestureAt)) {
    return C.errorReply(C.Codes.USER_ACTIVATION_REQUIRED);
  }
  const claim = {};
  dialogsRunning.set(claim, page.origin);
  return { claim };
}

// Gives the dialog back: the rules above see when it ended.
function releaseDialog(page, claim) {
  dialogsRunning.delete(claim);
  lastDialog = { origin: page.origin, endedAt: Date.now() };
}

// Runs one login at the host and keeps what the rules above need: a Stop, a success. Card
// errors from before the dialog become one code.
async function login(page, args, timeoutMs, mode, signal) {
  const reply = await callHost(mode, 'authenticate', args, timeoutMs, signal);
  if ('result' in reply) {
    backOff.succeeded(page.origin);
    saveBackOff();
  } else if (reply.error.code === 'ERR_SAFERCHAT_USER_CANCELLED') {
    backOff.stopped(page.origin, Date.now());
    saveBackOff();
  }
  return C.collapseCardErrors(reply);
}

// Serves one checked request for the page (its origin is the sender's).
async function serve(request, page, attention, signal) {
  const origin = page.origin;
  const current = request.command === 'status' ? await settingsWithoutWaitingForPolicy() : await settings;
  if (C.checkOrigin(origin, current.allowHttpLocalhost) !== null) {
    return C.errorReply(C.Codes.INSECURE_CONTEXT);
  }
  const version = api.runtime.getManifest().version;
  const notListed = C.checkSiteList(await siteList, origin);
  if (notListed !== null) {
    return request.command === 'status' ? C.statusWithoutHost(version, notListed.error.code) : notListed;
  }
  const refusal = await attentionRefusal(page, request, attention);
  if (refusal !== null) {
    return request.command === 'status' ? C.statusWithoutHost(version, refusal.error.code) : refusal;
  }
  const mode = current.connectionMode;
  if (mode === 'per-request' && warmHost.open && !warmHost.busy) {
    warmHost.close(); // switched to per-request while the warm port was open
  }
  if (request.command === 'status') {
    return status(mode, signal);
  }
  const taken = claimDialog(page, attention);
  if ('error' in taken) {
    return taken;
  }
  try {
    // The origin is the sender's: whatever the page wrote was dropped by checkRequest. The
    // seal key is the one the background fetched from that origin, never anything the page sent.
    const args = { ...request.arguments, origin };
    const sealKey = await sealKeyFor(origin);
    if (sealKey !== null) {
      args.sealKey = sealKey;
    }
    return await login(page, args, C.backgroundTimeoutMs(request), mode, signal);
  } finally {
    releaseDialog(page, taken.claim);
  }
}

async function onPageMessage(page, message) {
  if (message === null || typeof message !== 'object') {
    return;
  }
  if ('cancel' in message) {
    // The page gave up (content script or page API timeout): the host stops the request.
    const running = page.request;
    if (running !== null && running.seq === message.cancel) {
      endRequest(page, running);
      running.abort.abort();
    }
    return;
  }
  const seq = message.seq;
  if (!C.isSequence(seq)) {
    return;
  }
  const answer = (reply) => {
    try {
      page.port.postMessage({ seq, ...reply });
    } catch {
      // The page went away meanwhile: nobody is left to answer.
    }
  };
  const request = C.checkRequest(message.command, message.arguments);
  if ('error' in request) {
    answer(request);
    return;
  }
  if (busyTabs.has(page.tabId)) {
    answer(C.errorReply(C.Codes.REQUEST_PENDING));
    return;
  }
  const running = { seq, abort: new AbortController() };
  busyTabs.set(page.tabId, running); // before any await: a second request sees it
  page.request = running;
  let reply;
  try {
    reply = await serve(request, page, message.attention, running.abort.signal);
  } catch (error) {
    console.error('Safer Chat: request failed', error);
    reply = C.errorReply(C.Codes.EXTENSION_FAILED);
  }
  endRequest(page, running);
  if (!running.abort.signal.aborted) {
    answer(reply);
  }
}

function endRequest(page, running) {
  if (busyTabs.get(page.tabId) === running) {
    busyTabs.delete(page.tabId);
  }
  if (page.request === running) {
    page.request = null;
  }
}

api.runtime.onConnect.addListener((port) => {
  const sender = port.sender;
  // Only our own content script in a tab's top frame opens this port.
  if (
    port.name !== C.PORT_NAME ||
    !sender ||
    sender.id !== api.runtime.id ||
    !sender.tab ||
    typeof sender.tab.id !== 'number' ||
    sender.frameId !== 0
  ) {
    port.disconnect();
    return;
  }
  // The origin as the browser recorded it when the page connected, never from a message.
  const page = { port, tabId: sender.tab.id, origin: C.senderOrigin(sender), request: null };
  pages.add(page);
  port.onMessage.addListener((message) => onPageMessage(page, message));
  port.onDisconnect.addListener(() => {
    // The page closed or navigated away: its request is cancelled at the host (the warm port
    // stays for the other pages), or its per-request host disconnected.
    pages.delete(page);
    const running = page.request;
    if (running !== null) {
      endRequest(page, running);
      running.abort.abort();
    }
    if (pages.size === 0) {
      warmHost.reset(); // no page that used Safer Chat is left
    }
  });
});
