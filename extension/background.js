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

// Serves one checked request for the page at `origin`.
async function serve(request, origin, signal) {
  const current = request.command === 'status' ? await settingsWithoutWaitingForPolicy() : await settings;
  if (C.checkOrigin(origin, current.allowHttpLocalhost) !== null) {
    return C.errorReply(C.Codes.INSECURE_CONTEXT);
  }
  const mode = current.connectionMode;
  if (mode === 'per-request' && warmHost.open && !warmHost.busy) {
    warmHost.close(); // switched to per-request while the warm port was open
  }
  if (request.command === 'status') {
    return status(mode, signal);
  }
  // The origin is the sender's: whatever the page wrote was dropped by checkRequest.
  const args = { ...request.arguments, origin };
  return callHost(mode, 'authenticate', args, C.backgroundTimeoutMs(request), signal);
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
    reply = await serve(request, page.origin, running.abort.signal);
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
