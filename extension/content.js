// The content script: the only part of the extension a page can reach, through
// window.postMessage (docs/protocol.md §8). It relays a page's request to the background and
// the answer back, and trusts nothing in the page's message:
//   * only messages whose event.source is this very window and whose type carries our prefix;
//   * the fields are checked and copied (common.js checkRequest): a page cannot choose the
//     origin, the background takes it from the browser;
//   * answers go to this page's own origin only (targetOrigin = location.origin);
//   * one request at a time (a second gets ERR_SAFERCHAT_REQUEST_PENDING).
'use strict';

(function () {
  const C = globalThis.SaferChatCommon;
  const api = globalThis.browser ?? globalThis.chrome;
  let busy = false;

  function post(message) {
    window.postMessage(message, window.location.origin);
  }

  function reply(id, answer) {
    post({ type: C.REPLY, id, ...answer });
  }

  function relay(id, request) {
    let port;
    try {
      port = api.runtime.connect({ name: C.PORT_NAME });
    } catch {
      // The extension was updated or disabled under this page.
      reply(id, C.errorReply(C.Codes.EXTENSION_FAILED));
      return;
    }
    busy = true;
    post({ type: C.ACK, id });
    let done = false;
    let timer = null;
    const finish = (answer) => {
      if (done) {
        return;
      }
      done = true;
      busy = false;
      clearTimeout(timer);
      try {
        port.disconnect();
      } catch {
        // Already closed by the background.
      }
      reply(id, answer);
    };
    timer = setTimeout(() => finish(C.errorReply(C.Codes.TIMEOUT)), C.contentTimeoutMs(request));
    port.onMessage.addListener((answer) => finish(C.checkBackgroundReply(answer)));
    // The background closes the port after its answer; closing first means it failed.
    port.onDisconnect.addListener(() => finish(C.errorReply(C.Codes.EXTENSION_FAILED)));
    port.postMessage(request);
  }

  window.addEventListener('message', (event) => {
    // Another window (a frame, an opener) posting here is not this page asking.
    if (event.source !== window || !C.isPageRequest(event.data)) {
      return;
    }
    const data = event.data;
    if (!C.isRequestId(data.id)) {
      const why = '"id" must be 1 to 64 letters, digits, - or _.';
      reply(null, C.errorReply(C.Codes.INVALID_ARGUMENT, why));
      return;
    }
    if (!C.pageMayAsk(window.location.protocol, window.location.hostname)) {
      reply(data.id, C.errorReply(C.Codes.INSECURE_CONTEXT));
      return;
    }
    if (busy) {
      reply(data.id, C.errorReply(C.Codes.REQUEST_PENDING));
      return;
    }
    const request = C.checkRequest(data.command, data.arguments);
    if ('error' in request) {
      reply(data.id, request);
      return;
    }
    relay(data.id, request);
  });
})();
