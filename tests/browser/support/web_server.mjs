// SPDX-License-Identifier: Apache-2.0
// The chat provider's page, served by the test itself: https with a self-signed certificate
// made with openssl (browsers are told to accept it), and plain http for the insecure-page and
// development-switch cases. Serves the built page API and a few test pages.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

// A test page: loads the plain-script page API (global SaferChat) and the ES module
// (window.SaferChatModule), then marks itself ready. Its button runs window.onAct, which a test
// sets before it clicks the button as a child would (the click is the user gesture).
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Safer Chat test page</title>
<script src="/saferchat.js"></script>
<script type="module">
  import * as api from '/saferchat.mjs';
  window.SaferChatModule = api;
  document.documentElement.dataset.ready = 'yes';
</script></head>
<body><h1>Chat room for children</h1>
<button id="act" style="font-size: 24px" onclick="window.onAct && window.onAct()">Join</button>
</body></html>
`;

// A frame of another origin that tries to talk to the page's content script and to answer
// for it (the page API and the content script must ignore it).
const FRAME = `<!doctype html>
<html><head><meta charset="utf-8"></head><body><script>
  window.addEventListener('message', (event) => {
    if (event.data && event.data.forge) {
      parent.postMessage(event.data.forge, '*');
    }
  });
  document.documentElement.dataset.ready = 'yes';
</script></body></html>
`;

// A hostile script of the chat page (an advertising or analytics script gone bad), loaded
// before the page API on page.html?hostile: it hooks fetch, XMLHttpRequest, postMessage and the
// page API, answers any request for the seal key with a key of its own, slips that key into
// every Safer Chat request, and keeps all it can see in window.hostile.
function hostileScript(attackerJwk) {
  return `'use strict';
(() => {
  const attackerKey = ${JSON.stringify(attackerJwk)};
  const seen = { fetches: [], keyRequests: 0, messages: [], results: [] };
  window.hostile = seen;
  const forged = () => new Response(JSON.stringify({ keys: [attackerKey] }),
    { status: 200, headers: { 'content-type': 'application/jwk-set+json' } });
  const realFetch = window.fetch;
  window.fetch = function (input, init) {
    const url = String(input && input.url ? input.url : input);
    seen.fetches.push(url);
    if (url.includes('saferchat-seal-key')) {
      seen.keyRequests++;
      return Promise.resolve(forged());
    }
    return realFetch.call(this, input, init);
  };
  const realOpen = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    seen.fetches.push(String(url));
    if (String(url).includes('saferchat-seal-key')) {
      seen.keyRequests++;
    }
    return realOpen.call(this, method, url, ...rest);
  };
  const realPost = window.postMessage;
  window.postMessage = function (message, ...rest) {
    if (message && message.type === 'saferchat:request') {
      message = { ...message, sealKey: attackerKey,
        arguments: { ...message.arguments, sealKey: attackerKey, seal_key: attackerKey } };
    }
    return realPost.call(this, message, ...rest);
  };
  window.addEventListener('message', (event) => {
    seen.messages.push(JSON.parse(JSON.stringify(event.data)));
  }, true);
  // The page API, hooked once it is there: every result goes through this script too.
  window.addEventListener('DOMContentLoaded', () => {
    const api = window.SaferChat;
    window.SaferChat = { ...api, authenticate: (...args) => api.authenticate(...args).then((token) => {
      seen.results.push(JSON.parse(JSON.stringify(token)));
      return token;
    }) };
  });
  document.cookie = 'session=secret-of-the-chat; path=/; secure';
})();
`;
}

// The chat site's seal keys (the sealed-token contract): a JWK Set whose first entry is a
// signing key (to be skipped), then the current and the previous encryption key; made by
// node:crypto for the occasion (test-only).
function makeSealKeys() {
  const jwk = (kid, extra) => ({
    ...crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }),
    kid, ...extra,
  });
  const set = { keys: [jwk('sig-1', { use: 'sig', alg: 'ES256' }), jwk('seal-2', { use: 'enc', alg: 'ECDH-ES' }),
    jwk('seal-1', { use: 'enc', alg: 'ECDH-ES' })] };
  return { set, current: set.keys[1], attacker: jwk('attacker', { use: 'enc', alg: 'ECDH-ES' }) };
}

function makeCertificate(dir) {
  const key = path.join(dir, 'server.key');
  const cert = path.join(dir, 'server.crt');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

function handler(pageApiDir, seal = null) {
  const files = {
    '/saferchat.js': ['saferchat.js', 'text/javascript'],
    '/saferchat.mjs': ['saferchat.mjs', 'text/javascript'],
  };
  return (request, response) => {
    const url = new URL(request.url, 'http://x');
    let body;
    let type = 'text/html; charset=utf-8';
    if (seal !== null && url.pathname === '/.well-known/saferchat-seal-key') {
      seal.requests.push({ method: request.method, headers: { ...request.headers } });
      response.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=120' })
        .end(JSON.stringify(seal.keys.set));
      return;
    }
    if (url.pathname === '/page.html' && url.searchParams.has('hostile') && seal !== null) {
      body = PAGE.replace('<script src="/saferchat.js">', '<script src="/hostile.js"></script>\n<script src="/saferchat.js">');
    } else if (url.pathname === '/hostile.js' && seal !== null) {
      body = hostileScript(seal.keys.attacker);
      type = 'text/javascript';
    } else if (url.pathname === '/page.html') {
      body = PAGE;
    } else if (url.pathname === '/frame.html') {
      body = FRAME;
    } else if (files[url.pathname]) {
      body = fs.readFileSync(path.join(pageApiDir, files[url.pathname][0]));
      type = files[url.pathname][1];
    } else {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
  };
}

function listen(server, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve(server.address().port));
  });
}

// Starts the servers; resolves with their origins and a close().
//   https:     https://localhost:P   (the chat page; its certificate also names 127.0.0.1)
//   httpsOther https://127.0.0.1:P   (another origin on the same server, for frames)
//   http:      http://localhost:Q    (allowed only with the development switch)
//   httpOther  http://127.0.0.2:R    (plain http that is not localhost: always refused)
//   httpsSealed https://localhost:S (a chat site that publishes its seal key, and serves
//              page.html?hostile with the hostile script); sealKeys: { set, current,
//              attacker }, sealKeyRequests: what it got for the key ({ method, headers })
export async function startWebServer(tmpDir, pageApiDir) {
  const serve = handler(pageApiDir);
  const certificate = makeCertificate(tmpDir);
  const secure = https.createServer(certificate, serve);
  const seal = { keys: makeSealKeys(), requests: [] };
  const sealed = https.createServer(certificate, handler(pageApiDir, seal));
  const plain = http.createServer(serve);
  const plainOther = http.createServer(serve);
  const httpsPort = await listen(secure, '127.0.0.1');
  const httpPort = await listen(plain, '127.0.0.1');
  const otherPort = await listen(plainOther, '127.0.0.2');
  const sealedPort = await listen(sealed, '127.0.0.1');
  const servers = [secure, plain, plainOther, sealed];
  return {
    https: `https://localhost:${httpsPort}`,
    httpsOther: `https://127.0.0.1:${httpsPort}`,
    http: `http://localhost:${httpPort}`,
    httpOther: `http://127.0.0.2:${otherPort}`,
    httpsSealed: `https://localhost:${sealedPort}`,
    sealKeys: seal.keys,
    sealKeyRequests: seal.requests,
    close: () => Promise.all(servers.map((s) => new Promise((resolve) => {
      s.closeAllConnections();
      s.close(resolve);
    }))),
  };
}
