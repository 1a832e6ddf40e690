// The background (Chromium: service worker; Firefox: event page). It serves one request per
// port that a content script opens (docs/protocol.md §8.2): it checks the request again, takes
// the page's origin from the browser's sender record, starts the native host for this request
// only, sends it one request, takes one reply and disconnects, which ends the host.
'use strict';

// The Chromium service worker has one script; Firefox lists common.js before this file.
if (typeof importScripts === 'function' && typeof SaferChatCommon === 'undefined') {
  importScripts('common.js');
}

const C = globalThis.SaferChatCommon;
const api = globalThis.browser ?? globalThis.chrome;

// Tabs with a request in progress: one at a time per tab.
const busyTabs = new Set();
// Our own request ids towards the host (the page's ids never reach it).
let nextHostRequestId = 1;

// The development switch (extension/README.md): storage.managed (set by policy) wins over
// storage.local (set on the options page). Any failure reads as "off". Read only for http
// localhost pages: Chromium's first storage.managed read takes seconds.
async function allowHttpLocalhost() {
  try {
    const managed = await api.storage.managed.get('allowHttpLocalhost');
    if (typeof managed.allowHttpLocalhost === 'boolean') {
      return managed.allowHttpLocalhost;
    }
  } catch {
    // Firefox rejects when no managed storage manifest exists; that means "not set".
  }
  try {
    const local = await api.storage.local.get('allowHttpLocalhost');
    return local.allowHttpLocalhost === true;
  } catch {
    return false;
  }
}

// The reason the browser gives for a closed native port.
function disconnectMessage(port) {
  // Firefox sets port.error; Chromium sets runtime.lastError (reading it marks it handled).
  if (port.error && typeof port.error.message === 'string') {
    return port.error.message;
  }
  const lastError = api.runtime.lastError;
  return lastError && typeof lastError.message === 'string' ? lastError.message : '';
}

// Starts the host, waits for its ready event, sends `command`, and resolves with the checked
// reply ({ result } or { error }). The host port is disconnected in every case, which closes
// the host's stdin: the host then ends its dialog and exits (docs/protocol.md §3.4 step 5).
// `pageLeft` (an AbortSignal: tab closed, page left) ends the request the same way.
function callHost(command, args, replyTimeoutMs, pageLeft) {
  return new Promise((resolve) => {
    if (pageLeft.aborted) {
      resolve(C.errorReply(C.Codes.EXTENSION_FAILED));
      return;
    }
    const id = nextHostRequestId++;
    let host = null;
    let ready = false;
    let finished = false;
    let timer = null;

    function finish(reply) {
      if (finished) {
        return;
      }
      finished = true;
      clearTimeout(timer);
      pageLeft.removeEventListener('abort', onPageGone);
      if (host !== null) {
        try {
          host.disconnect();
        } catch {
          // Already closed by the host's side.
        }
      }
      resolve(reply);
    }
    function onPageGone() {
      finish(C.errorReply(C.Codes.EXTENSION_FAILED));
    }

    try {
      host = api.runtime.connectNative(C.HOST_NAME);
    } catch (error) {
      // Firefox throws at once for some failures; Chromium reports them on disconnect.
      finish(C.disconnectError(String(error && error.message)));
      return;
    }
    timer = setTimeout(() => finish(C.errorReply(C.Codes.TIMEOUT)), C.READY_TIMEOUT_MS);
    pageLeft.addEventListener('abort', onPageGone);

    host.onMessage.addListener((message) => {
      if (finished) {
        return;
      }
      if (!ready) {
        const refusal = C.checkReady(message);
        if (refusal !== null) {
          finish(refusal);
          return;
        }
        ready = true;
        clearTimeout(timer);
        timer = setTimeout(() => finish(C.errorReply(C.Codes.TIMEOUT)), replyTimeoutMs);
        host.postMessage({ command, id, arguments: args });
        return;
      }
      finish(C.checkHostReply(message, id, command));
    });
    host.onDisconnect.addListener((port) => {
      // Read even when finished: Chromium logs an unread lastError as unchecked.
      const reason = disconnectMessage(port);
      if (!finished) {
        finish(C.disconnectError(reason));
      }
    });
  });
}

async function status(pageLeft) {
  const extension = { present: true, version: api.runtime.getManifest().version };
  const timeoutMs = C.backgroundTimeoutMs({ command: 'status' });
  const reply = await callHost('version', {}, timeoutMs, pageLeft);
  if ('result' in reply) {
    return { result: { extension, host: reply.result } };
  }
  const present = reply.error.code !== C.Codes.HOST_MISSING;
  return { result: { extension, host: { present, version: null, error: reply.error.code } } };
}

// Serves one checked request for the page at `origin`.
async function serve(request, origin, pageLeft) {
  const allowHttp = C.isHttpLocalhostOrigin(origin) ? await allowHttpLocalhost() : false;
  if (C.checkOrigin(origin, allowHttp) !== null) {
    return C.errorReply(C.Codes.INSECURE_CONTEXT);
  }
  if (request.command === 'status') {
    return status(pageLeft);
  }
  // The origin is the sender's: whatever the page wrote was dropped by checkRequest.
  const args = { ...request.arguments, origin };
  return callHost('authenticate', args, C.backgroundTimeoutMs(request), pageLeft);
}

api.runtime.onConnect.addListener((pagePort) => {
  const sender = pagePort.sender;
  // Only our own content script in a tab's top frame opens this port.
  if (
    pagePort.name !== C.PORT_NAME ||
    !sender ||
    sender.id !== api.runtime.id ||
    !sender.tab ||
    typeof sender.tab.id !== 'number' ||
    sender.frameId !== 0
  ) {
    pagePort.disconnect();
    return;
  }
  const tabId = sender.tab.id;
  let answered = false;
  const pageLeft = new AbortController();
  pagePort.onDisconnect.addListener(() => pageLeft.abort());

  pagePort.onMessage.addListener(async (message) => {
    if (answered) {
      return; // one request per port
    }
    answered = true;
    let reply;
    const request = C.checkRequest(message && message.command, message && message.arguments);
    if ('error' in request) {
      reply = request;
    } else if (busyTabs.has(tabId)) {
      reply = C.errorReply(C.Codes.REQUEST_PENDING);
    } else {
      busyTabs.add(tabId); // before any await: a second request sees it
      try {
        reply = await serve(request, C.senderOrigin(sender), pageLeft.signal);
      } catch (error) {
        console.error('Safer Chat: request failed', error);
        reply = C.errorReply(C.Codes.EXTENSION_FAILED);
      } finally {
        busyTabs.delete(tabId);
      }
    }
    try {
      pagePort.postMessage(reply);
      pagePort.disconnect();
    } catch {
      // The page went away meanwhile: nobody is left to answer.
    }
  });
});
