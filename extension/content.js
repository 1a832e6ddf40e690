// SPDX-License-Identifier: Apache-2.0
// The content script: the only part of the extension a page can reach, through
// window.postMessage (docs/protocol.md §8). It relays a page's request to the background and
// the answer back, and trusts nothing in the page's message:
//   * only messages whose event.source is this very window and whose type carries our prefix;
//   * the fields are checked and copied (common.js checkRequest): a page cannot choose the
//     origin, the background takes it from the browser;
//   * answers go to this page's own origin only (targetOrigin = location.origin);
//   * one request at a time (a second gets ERR_SAFERCHAT_REQUEST_PENDING).
// On the page's first request it opens one port to the background and keeps it while the page
// lives: requests and answers travel on it, numbered by this script, and its closing (the page
// left) tells the background to cancel what this page asked and, when no such page is left, to
// let the host go.
'use strict';

(function () {
  const C = globalThis.SaferChatCommon;
  const api = globalThis.browser ?? globalThis.chrome;
  let port = null; // to the background, opened on first use
  let nextSeq = 1;
  let current = null; // { id (the page's), seq (ours), port, finish }

  // -- The child's attention (docs/protocol.md §8.5) --
  // The last trusted activation-triggering event (HTML: keydown, mousedown, pointerdown,
  // pointerup, touchend) this isolated world saw, on the capture phase of the window, before
  // any page listener; and the last one an authenticate request used. performance.now() times.
  let lastGestureAt = null;
  let usedGestureAt = null;
  for (const type of ['keydown', 'mousedown', 'pointerdown', 'pointerup', 'touchend']) {
    window.addEventListener(type, (event) => {
      if (event.isTrusted) {
        lastGestureAt = performance.now();
      }
    }, { capture: true, passive: true });
  }

  // What the background needs to decide whether the child acts on this page now.
  function attentionReport() {
    const activation = navigator.userActivation;
    return {
      visible: document.visibilityState === 'visible',
      focused: document.hasFocus(),
      // Browsers without the UserActivation API (none since Firefox 120): the trusted event.
      active: activation ? activation.isActive === true : lastGestureAt !== null,
      gestureAgeMs: lastGestureAt === null ? null : performance.now() - lastGestureAt,
      fresh: lastGestureAt !== null && lastGestureAt !== usedGestureAt,
      sentAt: Date.now(),
    };
  }

  // An authenticate request uses the gesture: the next one needs a new one.
  function useGesture() {
    usedGestureAt = lastGestureAt;
  }

  function post(message) {
    window.postMessage(message, window.location.origin);
  }

  function reply(id, answer) {
    post({ type: C.REPLY, id, ...answer });
  }

  // The port to the background; a new one when the background closed the last (it was
  // stopped or restarted: it starts clean).
  function backgroundPort() {
    if (port !== null) {
      return port;
    }
    const opened = api.runtime.connect({ name: C.PORT_NAME });
    opened.onMessage.addListener((answer) => {
      if (current !== null && current.port === opened && answer && answer.seq === current.seq) {
        current.finish(C.checkBackgroundReply(answer));
      }
    });
    opened.onDisconnect.addListener(() => {
      if (port === opened) {
        port = null;
      }
      // The background went away before it answered (extension updated, crashed).
      if (current !== null && current.port === opened) {
        current.finish(C.errorReply(C.Codes.EXTENSION_FAILED));
      }
    });
    port = opened;
    return opened;
  }

  function relay(id, request, attention) {
    let to;
    try {
      to = backgroundPort();
    } catch {
      // The extension was updated or disabled under this page.
      reply(id, C.errorReply(C.Codes.EXTENSION_FAILED));
      return;
    }
    const seq = nextSeq++;
    let timer = null;
    const running = { id, seq, port: to };
    running.finish = (answer) => {
      if (current !== running) {
        return;
      }
      current = null;
      clearTimeout(timer);
      reply(id, answer);
    };
    // Gives up: the background cancels the request at the host.
    running.giveUp = (answer) => {
      if (current !== running) {
        return;
      }
      try {
        to.postMessage({ cancel: seq });
      } catch {
        // The background is gone: nothing runs there any more.
      }
      running.finish(answer);
    };
    current = running;
    post({ type: C.ACK, id });
    timer = setTimeout(() => running.giveUp(C.errorReply(C.Codes.TIMEOUT)), C.contentTimeoutMs(request));
    try {
      to.postMessage({ seq, ...request, attention });
    } catch {
      running.finish(C.errorReply(C.Codes.EXTENSION_FAILED));
    }
  }

  window.addEventListener('message', (event) => {
    // Another window (a frame, an opener) posting here is not this page asking.
    if (event.source !== window) {
      return;
    }
    const data = event.data;
    if (C.isPageCancel(data)) {
      // The page API gave up waiting (its own timeout): stop the request at the host too.
      if (current !== null && current.id === data.id) {
        current.giveUp(C.errorReply(C.Codes.REQUEST_CANCELLED));
      }
      return;
    }
    if (!C.isPageRequest(data)) {
      return;
    }
    if (!C.isRequestId(data.id)) {
      const why = '"id" must be 1 to 64 letters, digits, - or _.';
      reply(null, C.errorReply(C.Codes.INVALID_ARGUMENT, why));
      return;
    }
    if (!C.pageMayAsk(window.location.protocol, window.location.hostname)) {
      reply(data.id, C.errorReply(C.Codes.INSECURE_CONTEXT));
      return;
    }
    if (current !== null) {
      reply(data.id, C.errorReply(C.Codes.REQUEST_PENDING));
      return;
    }
    const request = C.checkRequest(data.command, data.arguments);
    if ('error' in request) {
      reply(data.id, request);
      return;
    }
    // The background decides with the browser's record of the tab (§8.5); an authenticate
    // request uses up a gesture either way.
    const attention = attentionReport();
    if (request.command === 'authenticate') {
      useGesture();
    }
    relay(data.id, request, attention);
  });
})();
