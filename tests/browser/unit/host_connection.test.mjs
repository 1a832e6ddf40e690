// SPDX-License-Identifier: Apache-2.0
// Unit tests of extension/host_connection.js: the warm port (WarmHost) and one host per request
// (callOnce), driven with fake native ports and a fake clock. The real browsers and host run the
// same code end to end in tests/browser/scenarios.mjs.
import assert from 'node:assert/strict';
import path from 'node:path';
import { beforeEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
await import(path.join(root, 'extension', 'common.js'));
await import(path.join(root, 'extension', 'host_connection.js'));
const { WarmHost, callOnce } = globalThis.SaferChatHost;

// A native port as the browser gives it; the test plays the host.
class FakePort {
  constructor() {
    this.sent = [];
    this.closedByUs = false;
    this.messageListeners = [];
    this.disconnectListeners = [];
    this.onMessage = { addListener: (fn) => this.messageListeners.push(fn) };
    this.onDisconnect = { addListener: (fn) => this.disconnectListeners.push(fn) };
  }
  postMessage(message) {
    if (this.closedByUs) {
      throw new Error('Attempting to use a disconnected port object');
    }
    this.sent.push(structuredClone(message));
  }
  disconnect() {
    this.closedByUs = true;
  }
  // The host's side.
  hostSends(message) {
    for (const fn of this.messageListeners) {
      fn(message);
    }
  }
  ready(protocolVersion = 2) {
    this.hostSends({ event: 'ready', hostVersion: '0.1.0', protocolVersion });
  }
  reply(id, result = { ok: id }) {
    this.hostSends({ command: 'authenticate', id, result });
  }
  exits(message = 'Native host has exited.') {
    this.error = { message };
    for (const fn of this.disconnectListeners) {
      fn(this);
    }
  }
}

// Timers that run when the test says so.
class FakeClock {
  constructor() {
    this.now = 0;
    this.timers = new Map();
    this.nextId = 1;
  }
  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(id) {
    this.timers.delete(id);
  }
  advance(ms) {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) {
        break;
      }
      this.timers.delete(due[0]);
      this.now = due[1].at;
      due[1].fn();
    }
    this.now = end;
  }
}

const TOKEN = {
  unverifiedCertificate: 'MIIB' + 'A'.repeat(40),
  algorithm: 'ES384',
  signature: 'q'.repeat(128),
  format: 'web-eid:1.0',
  appVersion: 'https://saferchat.be/host/0.1.0',
};
const VERSION_RESULT = { hostVersion: '0.1.0', protocolVersion: 2, pcsc: { reachable: true, readerCount: 1 } };
const STATUS = { present: true, version: '0.1.0', protocolVersion: 2, pcsc: { reachable: true, readerCount: 1 } };
const ARGS = { challengeNonce: 'A'.repeat(44), timeout: 60, origin: 'https://chat.example' };
const code = (reply) => reply.error?.code;
const settled = () => new Promise((resolve) => setImmediate(resolve));

let clock;
let ports;
let deps;
let connectError;

beforeEach(() => {
  clock = new FakeClock();
  ports = [];
  connectError = null;
  deps = {
    connectNative: () => {
      if (connectError) {
        throw new Error(connectError);
      }
      const port = new FakePort();
      ports.push(port);
      return port;
    },
    lastError: () => '',
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
  };
});

// Runs `promise` to its end, recording whether it settled.
function track(promise) {
  const tracked = { done: false, value: undefined };
  tracked.promise = promise.then((value) => {
    tracked.done = true;
    tracked.value = value;
    return value;
  });
  return tracked;
}

describe('WarmHost', () => {
  it('opens one port for many requests, with its own ids 1, 2, … and only after the ready event', async () => {
    const warm = new WarmHost(deps);
    const first = track(warm.call('authenticate', ARGS, 70000, new AbortController().signal));
    assert.equal(ports.length, 1);
    assert.deepEqual(ports[0].sent, [], 'nothing before ready');
    ports[0].ready();
    assert.deepEqual(ports[0].sent, [{ command: 'authenticate', id: 1, arguments: ARGS }]);
    ports[0].reply(1, TOKEN);
    assert.deepEqual(await first.promise, { result: TOKEN });
    const second = warm.call('version', {}, 10000, new AbortController().signal);
    assert.deepEqual(ports[0].sent[1], { command: 'version', id: 2, arguments: {} });
    ports[0].hostSends({ command: 'version', id: 2, result: VERSION_RESULT });
    assert.deepEqual(await second, { result: STATUS });
    assert.equal(ports.length, 1);
    assert.equal(ports[0].closedByUs, false);
  });

  it('gives each reply to its own request, in whatever order they come', async () => {
    const warm = new WarmHost(deps);
    const a = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    const b = warm.call('authenticate', { ...ARGS, origin: 'https://other.example' }, 70000, new AbortController().signal);
    ports[0].ready();
    const tokenB = { ...TOKEN, signature: 'b'.repeat(128) };
    ports[0].reply(99, TOKEN); // nobody's
    ports[0].reply(2, tokenB);
    ports[0].reply(1, TOKEN);
    assert.deepEqual(await a, { result: TOKEN });
    assert.deepEqual(await b, { result: tokenB });
  });

  it('closes the port after the idle time, counted from the last reply, and opens a new one after', async () => {
    const warm = new WarmHost(deps);
    warm.setIdleTimeout(2000);
    const first = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[0].ready();
    clock.advance(5000); // a request in flight: not idle
    assert.equal(ports[0].closedByUs, false);
    ports[0].reply(1, TOKEN);
    await first;
    clock.advance(1999);
    assert.equal(ports[0].closedByUs, false);
    clock.advance(1);
    assert.equal(ports[0].closedByUs, true);
    assert.equal(warm.open, false);
    const next = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    assert.equal(ports.length, 2);
    ports[1].ready();
    assert.equal(ports[1].sent[0].id, 1, 'ids are per port');
    ports[1].reply(1, TOKEN);
    assert.deepEqual(await next, { result: TOKEN });
  });

  it('starts the idle time over when it is changed', async () => {
    const warm = new WarmHost(deps);
    const first = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[0].ready();
    ports[0].reply(1, TOKEN);
    await first;
    clock.advance(290000);
    warm.setIdleTimeout(20000);
    clock.advance(19999);
    assert.equal(ports[0].closedByUs, false);
    clock.advance(1);
    assert.equal(ports[0].closedByUs, true);
  });

  it('a host that dies fails the requests on it with HOST_FAILED; the next request starts a new host', async () => {
    const warm = new WarmHost(deps);
    const inFlight = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[0].ready();
    ports[0].exits();
    assert.equal(code(await inFlight), 'ERR_SAFERCHAT_HOST_FAILED');
    assert.equal(warm.open, false);
    assert.equal(ports.length, 1, 'no new host until asked');
    const next = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[1].ready();
    ports[1].reply(1, TOKEN);
    assert.deepEqual(await next, { result: TOKEN });
  });

  it('asks a `version` that met a dying host again of a new host, once', async () => {
    const warm = new WarmHost(deps);
    const status = track(warm.call('version', {}, 10000, new AbortController().signal));
    const login = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[0].ready();
    ports[0].exits();
    assert.equal(code(await login), 'ERR_SAFERCHAT_HOST_FAILED');
    await settled();
    assert.equal(status.done, false);
    assert.equal(ports.length, 2);
    ports[1].ready();
    assert.deepEqual(ports[1].sent, [{ command: 'version', id: 1, arguments: {} }]);
    ports[1].exits();
    assert.equal(code(await status.promise), 'ERR_SAFERCHAT_HOST_FAILED');
    assert.equal(ports.length, 2);
  });

  it('cancels at the host the request of a page that left, and keeps the port', async () => {
    const warm = new WarmHost(deps);
    const page = new AbortController();
    const left = warm.call('authenticate', ARGS, 70000, page.signal);
    ports[0].ready();
    page.abort();
    assert.equal(code(await left), 'ERR_SAFERCHAT_EXTENSION_FAILED');
    assert.deepEqual(ports[0].sent[1], { command: 'cancel', id: 2, arguments: { requestId: 1 } });
    ports[0].hostSends({ command: 'authenticate', id: 1, error: { code: 'ERR_SAFERCHAT_REQUEST_CANCELLED' } });
    ports[0].hostSends({ command: 'cancel', id: 2, result: { cancelled: true } });
    assert.equal(ports[0].closedByUs, false);
    const next = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    assert.equal(ports[0].sent[2].id, 3);
    ports[0].reply(3, TOKEN);
    assert.deepEqual(await next, { result: TOKEN });
  });

  it('answers TIMEOUT when the host is silent past the deadline, and cancels the request at the host', async () => {
    const warm = new WarmHost(deps);
    const late = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[0].ready();
    clock.advance(69999);
    assert.deepEqual(ports[0].sent.map((m) => m.command), ['authenticate']);
    clock.advance(1);
    assert.equal(code(await late), 'ERR_SAFERCHAT_TIMEOUT');
    assert.deepEqual(ports[0].sent[1], { command: 'cancel', id: 2, arguments: { requestId: 1 } });
    ports[0].reply(1, TOKEN); // too late: dropped
    assert.equal(ports[0].closedByUs, false);
  });

  it('a request given up before the ready event is never sent', async () => {
    const warm = new WarmHost(deps);
    warm.setIdleTimeout(1000);
    const page = new AbortController();
    const gone = warm.call('authenticate', ARGS, 70000, page.signal);
    page.abort();
    assert.equal(code(await gone), 'ERR_SAFERCHAT_EXTENSION_FAILED');
    ports[0].ready();
    assert.deepEqual(ports[0].sent, []);
    clock.advance(1000);
    assert.equal(ports[0].closedByUs, true, 'idle from the start');
  });

  it('falls back to one host per request with a protocol version 1 host, until reset()', async () => {
    const warm = new WarmHost(deps);
    const first = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[0].ready(1);
    assert.equal(ports[0].closedByUs, true);
    assert.deepEqual(ports[0].sent, []);
    // callOnce: a host of its own.
    assert.equal(ports.length, 2);
    ports[1].ready(1);
    assert.deepEqual(ports[1].sent, [{ command: 'authenticate', id: 1, arguments: ARGS }]);
    ports[1].reply(1, TOKEN);
    assert.deepEqual(await first, { result: TOKEN });
    assert.equal(ports[1].closedByUs, true);
    const second = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    assert.equal(ports.length, 3);
    ports[2].ready(1);
    ports[2].reply(1, TOKEN);
    assert.deepEqual(await second, { result: TOKEN });
    assert.equal(ports[2].closedByUs, true);
    warm.reset();
    const third = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[3].ready(2);
    ports[3].reply(1, TOKEN);
    assert.deepEqual(await third, { result: TOKEN });
    assert.equal(ports[3].closedByUs, false, 'warm again');
  });

  it('passes a refusal in place of the ready event through, and an unknown version as HOST_INCOMPATIBLE', async () => {
    const warm = new WarmHost(deps);
    const refused = warm.call('version', {}, 10000, new AbortController().signal);
    ports[0].hostSends({ error: { code: 'ERR_SAFERCHAT_CALLER_NOT_ALLOWED', message: 'No.' } });
    assert.deepEqual(await refused, { error: { code: 'ERR_SAFERCHAT_CALLER_NOT_ALLOWED', message: 'No.' } });
    assert.equal(ports[0].closedByUs, true);
    const newer = warm.call('version', {}, 10000, new AbortController().signal);
    ports[1].ready(3);
    assert.equal(code(await newer), 'ERR_SAFERCHAT_HOST_INCOMPATIBLE');
    assert.equal(ports[1].closedByUs, true);
  });

  it('answers TIMEOUT when the ready event does not come within 10 s', async () => {
    const warm = new WarmHost(deps);
    const silent = warm.call('version', {}, 10000, new AbortController().signal);
    clock.advance(10000);
    assert.equal(code(await silent), 'ERR_SAFERCHAT_TIMEOUT');
    assert.equal(ports[0].closedByUs, true);
  });

  it('reports a missing host as HOST_MISSING, whether connecting throws or the port closes', async () => {
    const warm = new WarmHost(deps);
    connectError = 'No such native application be.saferchat.host';
    assert.equal(code(await warm.call('version', {}, 10000, new AbortController().signal)), 'ERR_SAFERCHAT_HOST_MISSING');
    connectError = null;
    const missing = warm.call('version', {}, 10000, new AbortController().signal);
    ports[0].exits('Specified native messaging host not found.');
    assert.equal(code(await missing), 'ERR_SAFERCHAT_HOST_MISSING');
  });

  it('close() ends the port and the requests still on it', async () => {
    const warm = new WarmHost(deps);
    warm.close(); // nothing open: nothing happens
    assert.equal(ports.length, 0);
    const pending = warm.call('authenticate', ARGS, 70000, new AbortController().signal);
    ports[0].ready();
    assert.equal(warm.busy, true);
    warm.close();
    assert.equal(code(await pending), 'ERR_SAFERCHAT_EXTENSION_FAILED');
    assert.equal(ports[0].closedByUs, true);
    assert.equal(warm.busy, false);
    ports[0].reply(1, TOKEN); // a closed port's late message changes nothing
  });
});

describe('callOnce', () => {
  it('starts a host, sends one request after the ready event, and disconnects after the reply', async () => {
    const reply = callOnce(deps, 'authenticate', ARGS, 70000, new AbortController().signal);
    ports[0].ready(2);
    assert.deepEqual(ports[0].sent, [{ command: 'authenticate', id: 1, arguments: ARGS }]);
    ports[0].reply(1, TOKEN);
    assert.deepEqual(await reply, { result: TOKEN });
    assert.equal(ports[0].closedByUs, true);
  });

  it('disconnects when the page leaves, and on its deadline', async () => {
    const page = new AbortController();
    const left = callOnce(deps, 'authenticate', ARGS, 70000, page.signal);
    ports[0].ready();
    page.abort();
    assert.equal(code(await left), 'ERR_SAFERCHAT_EXTENSION_FAILED');
    assert.equal(ports[0].closedByUs, true);
    const late = callOnce(deps, 'authenticate', ARGS, 70000, new AbortController().signal);
    ports[1].ready();
    clock.advance(70000);
    assert.equal(code(await late), 'ERR_SAFERCHAT_TIMEOUT');
    assert.equal(ports[1].closedByUs, true);
  });

  it('a host that ends without a reply gives HOST_FAILED', async () => {
    const reply = callOnce(deps, 'version', {}, 10000, new AbortController().signal);
    ports[0].ready(1);
    ports[0].exits();
    assert.equal(code(await reply), 'ERR_SAFERCHAT_HOST_FAILED');
  });
});
