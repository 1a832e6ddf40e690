// SPDX-License-Identifier: Apache-2.0
// The background's two ways of talking to the native host (docs/protocol.md §3, §8.3):
//
//   callOnce   one host process per request: start it, wait for its ready event, send one
//              request, take one reply, disconnect (which ends the host). The fallback, and the
//              only way for a protocol version 1 host.
//   WarmHost   one host for many requests (protocol version 2, §3.6): the warm port. Opened by
//              the first request, kept while requests come, closed by the background when it has
//              been idle for a while or no page that used Safer Chat is left. Requests carry the
//              extension's own ids (1, 2, … per port); a reply goes to the request with its id
//              only. A request whose page left, or whose deadline passed, is cancelled with
//              `cancel` (§3.7), not by disconnecting.
//
// No browser API is used directly: the caller passes `deps`
//   { connectNative() → Port, lastError() → string, setTimeout, clearTimeout }
// so that node:test drives this file with fake ports (tests/browser/unit/). A classic script
// (Firefox lists it in background.scripts, Chromium's service worker imports it) that defines
// one global, SaferChatHost. Needs SaferChatCommon (common.js) loaded first.
'use strict';

(function (global) {
  const C = global.SaferChatCommon;

  // The browser's reason for a closed native port: Firefox sets port.error, Chromium
  // runtime.lastError (reading it marks it handled).
  function disconnectReason(port, deps) {
    if (port && port.error && typeof port.error.message === 'string') {
      return port.error.message;
    }
    return deps.lastError();
  }

  // Starts a host for this one request, sends `command` and resolves with the checked reply
  // ({ result } or { error }). The host port is disconnected in every case, which closes the
  // host's stdin: the host then ends its dialog and exits (§3.6). `signal` (an AbortSignal: the
  // page left or gave up) ends the request the same way.
  function callOnce(deps, command, args, replyTimeoutMs, signal) {
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve(C.errorReply(C.Codes.EXTENSION_FAILED));
        return;
      }
      const id = 1;
      let host = null;
      let ready = false;
      let finished = false;
      let timer = null;

      function finish(reply) {
        if (finished) {
          return;
        }
        finished = true;
        deps.clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (host !== null) {
          try {
            host.disconnect();
          } catch {
            // Already closed by the host's side.
          }
        }
        resolve(reply);
      }
      function onAbort() {
        finish(C.errorReply(C.Codes.EXTENSION_FAILED));
      }

      try {
        host = deps.connectNative();
      } catch (error) {
        // Firefox throws at once for some failures; Chromium reports them on disconnect.
        finish(C.disconnectError(String(error && error.message)));
        return;
      }
      timer = deps.setTimeout(() => finish(C.errorReply(C.Codes.TIMEOUT)), C.READY_TIMEOUT_MS);
      signal.addEventListener('abort', onAbort);

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
          deps.clearTimeout(timer);
          timer = deps.setTimeout(() => finish(C.errorReply(C.Codes.TIMEOUT)), replyTimeoutMs);
          host.postMessage({ command, id, arguments: args });
          return;
        }
        finish(C.checkHostReply(message, id, command));
      });
      host.onDisconnect.addListener((port) => {
        // Read even when finished: Chromium logs an unread lastError as unchecked.
        const reason = disconnectReason(port, deps);
        if (!finished) {
          finish(C.disconnectError(reason));
        }
      });
    });
  }

  // One warm port and the requests on it. States: closed → starting (waiting for the ready
  // event) → ready → closed (idle, no page left, the host exited, or a version 1 host).
  class WarmHost {
    constructor(deps) {
      this.deps = deps;
      this.port = null;
      this.state = 'closed';
      this.readyTimer = null;
      this.idleTimer = null;
      this.idleTimeoutMs = C.DEFAULT_SETTINGS.idleTimeoutSeconds * 1000;
      this.nextId = 1;
      this.waiting = []; // requests that came before the ready event
      this.inFlight = new Map(); // host request id → request
      // A version 1 host was found: requests go one host per request (callOnce) until reset()
      // (no page that used Safer Chat is left) or the background restarts.
      this.version1Host = false;
    }

    get open() {
      return this.state !== 'closed';
    }

    // Requests waiting for the ready event or for their reply.
    get busy() {
      return this.waiting.length > 0 || this.inFlight.size > 0;
    }

    // Sends `command` over the warm port (opening it when needed) and resolves with the checked
    // reply. `signal` aborting (the page left or gave up) cancels the request at the host and
    // resolves with EXTENSION_FAILED; nobody reads that answer.
    call(command, args, replyTimeoutMs, signal) {
      if (this.version1Host) {
        return callOnce(this.deps, command, args, replyTimeoutMs, signal);
      }
      return new Promise((resolve) => {
        if (signal.aborted) {
          resolve(C.errorReply(C.Codes.EXTENSION_FAILED));
          return;
        }
        const request = { command, args, replyTimeoutMs, signal, resolve, id: null, timer: null };
        request.onAbort = () => this.abort(request);
        signal.addEventListener('abort', request.onAbort);
        this.stopIdleTimer();
        if (this.state === 'ready') {
          this.send(request);
          return;
        }
        this.waiting.push(request);
        if (this.state === 'closed') {
          this.start();
        }
      });
    }

    // The idle period after the last reply, in milliseconds; a running idle timer starts over.
    setIdleTimeout(ms) {
      this.idleTimeoutMs = ms;
      if (this.idleTimer !== null) {
        this.startIdleTimer();
      }
    }

    // Closes the port: the host ends (§1: input closed). Requests still here get
    // EXTENSION_FAILED (the background closes only when none is left, or their pages are gone).
    close() {
      this.shutdown(C.errorReply(C.Codes.EXTENSION_FAILED));
    }

    // Closes the port and forgets a version 1 host: the next request asks the host anew (a
    // host updated meanwhile gets its warm port).
    reset() {
      this.close();
      this.version1Host = false;
    }

    // -- inside --

    start() {
      let port;
      try {
        port = this.deps.connectNative();
      } catch (error) {
        this.failAll(C.disconnectError(String(error && error.message)));
        return;
      }
      this.port = port;
      this.state = 'starting';
      this.nextId = 1; // ids are the extension's own, unique on this port
      this.readyTimer = this.deps.setTimeout(() => {
        if (this.port === port) {
          this.shutdown(C.errorReply(C.Codes.TIMEOUT));
        }
      }, C.READY_TIMEOUT_MS);
      port.onMessage.addListener((message) => this.onMessage(port, message));
      port.onDisconnect.addListener((closed) => this.onDisconnect(port, closed));
    }

    onMessage(port, message) {
      if (port !== this.port) {
        return; // a port we closed already
      }
      if (this.state === 'starting') {
        this.onReady(port, message);
        return;
      }
      const id = C.hostReplyId(message);
      const request = this.inFlight.get(id);
      if (request === undefined) {
        return; // the reply to a `cancel`, or to a request that ended already
      }
      this.finish(request, C.checkHostReply(message, id, request.command));
    }

    onReady(port, message) {
      this.deps.clearTimeout(this.readyTimer);
      this.readyTimer = null;
      const refusal = C.checkReady(message);
      if (refusal !== null) {
        this.shutdown(refusal);
        return;
      }
      const waiting = this.waiting;
      this.waiting = [];
      if (!C.servesManyRequests(message)) {
        // One request per host: serve those that came, and the next ones, one host each.
        this.version1Host = true;
        this.shutdown(null);
        for (const request of waiting) {
          request.signal.removeEventListener('abort', request.onAbort);
          callOnce(this.deps, request.command, request.args, request.replyTimeoutMs, request.signal)
            .then(request.resolve);
        }
        return;
      }
      this.state = 'ready';
      for (const request of waiting) {
        this.send(request);
      }
      if (!this.busy) {
        this.startIdleTimer();
      }
    }

    send(request) {
      request.id = this.nextId++;
      this.inFlight.set(request.id, request);
      request.timer = this.deps.setTimeout(() => {
        this.cancelAtHost(request.id);
        this.finish(request, C.errorReply(C.Codes.TIMEOUT));
      }, request.replyTimeoutMs);
      this.post({ command: request.command, id: request.id, arguments: request.args });
    }

    // The host stops request `id` and answers it ERR_SAFERCHAT_REQUEST_CANCELLED (§3.7); that
    // answer, and the one to the `cancel` itself, are not waited for.
    cancelAtHost(id) {
      if (this.state === 'ready') {
        this.post({ command: 'cancel', id: this.nextId++, arguments: { requestId: id } });
      }
    }

    post(message) {
      try {
        this.port.postMessage(message);
      } catch {
        // The port closed under us; its onDisconnect answers the requests.
      }
    }

    abort(request) {
      if (request.id !== null) {
        this.cancelAtHost(request.id);
      }
      this.finish(request, C.errorReply(C.Codes.EXTENSION_FAILED));
    }

    finish(request, reply) {
      if (request.done) {
        return;
      }
      request.done = true;
      this.deps.clearTimeout(request.timer);
      request.signal.removeEventListener('abort', request.onAbort);
      if (request.id !== null) {
        this.inFlight.delete(request.id);
      } else {
        this.waiting = this.waiting.filter((other) => other !== request);
      }
      request.resolve(reply);
      if (this.state === 'ready' && !this.busy) {
        this.startIdleTimer();
      }
    }

    onDisconnect(port, closed) {
      // Read even for a port we dropped: Chromium logs an unread lastError as unchecked.
      const reason = disconnectReason(closed, this.deps);
      if (port !== this.port) {
        return;
      }
      this.detach();
      // A `version` the host never answered is asked again of a new host: it changes nothing
      // and shows nothing, and it may have met a host that died just before (the browser
      // learns of a host's end a moment after it). Once only.
      const again = [...this.inFlight.values()].filter((r) => r.command === 'version' && !r.retried);
      for (const request of again) {
        this.inFlight.delete(request.id);
        this.deps.clearTimeout(request.timer);
        request.id = null;
        request.retried = true;
        this.waiting.push(request);
      }
      // The host exited or crashed (or never started): the other requests on it fail; the
      // next request starts a new host.
      this.failAll(C.disconnectError(reason), { keepWaiting: again.length > 0 });
      if (this.waiting.length > 0) {
        this.start();
      }
    }

    // Disconnects the port, and answers the requests still here with `reply` (none when null).
    shutdown(reply) {
      const port = this.port;
      this.detach();
      if (port !== null) {
        try {
          port.disconnect();
        } catch {
          // Already closed by the host's side.
        }
      }
      if (reply !== null) {
        this.failAll(reply);
      }
    }

    // Forgets the port (without closing it) and its timers.
    detach() {
      this.port = null;
      this.state = 'closed';
      this.deps.clearTimeout(this.readyTimer);
      this.readyTimer = null;
      this.stopIdleTimer();
    }

    // Answers every request with `reply`; with keepWaiting, those waiting for a host stay.
    failAll(reply, { keepWaiting = false } = {}) {
      const requests = keepWaiting ? [...this.inFlight.values()] : [...this.waiting, ...this.inFlight.values()];
      for (const request of requests) {
        this.finish(request, reply);
      }
    }

    startIdleTimer() {
      this.stopIdleTimer();
      this.idleTimer = this.deps.setTimeout(() => {
        this.idleTimer = null;
        if (!this.busy) {
          this.close();
        }
      }, this.idleTimeoutMs);
    }

    stopIdleTimer() {
      this.deps.clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
  }

  global.SaferChatHost = Object.freeze({ callOnce, WarmHost });
})(globalThis);
