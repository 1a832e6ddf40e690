// SPDX-License-Identifier: Apache-2.0
// The demo chat's HTTP rules, against the real programs: saferchat-demo-chat over https, with a
// real saferchatd behind it (TEST PKI). What a browser may and may not do: origins, cookies,
// sizes, methods, the WebSocket upgrade, single-use joins, and the files it can reach.
// The card join itself runs in Chromium (scripts/demo.sh, tests demo.*).
//
// Environment: SAFERCHAT_DEMO_CHAT, SAFERCHATD (programs), SAFERCHAT_TEST_CARDS (test-cards
// folder), SAFERCHAT_SOURCE_DIR.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

const env = (name) => {
  const value = process.env[name];
  assert.ok(value, `${name} must be set`);
  return value;
};

let work;
const children = [];
let origin;
let port;

// Starts a program and resolves once a line of its standard output matches `ready`.
function start(program, args, ready) {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    const onData = (chunk) => {
      output += chunk;
      const match = output.match(ready);
      if (match) {
        child.stdout.off('data', onData);
        resolve(match);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('exit', (code) => reject(new Error(`${program} exited (${code}): ${output}`)));
  });
}

// One https request to the chat; resolves with { status, headers, body, json }.
function request(method, pathname, { headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, method, path: pathname, rejectUnauthorized: false, servername: 'localhost', headers },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          data += chunk;
        });
        res.on('end', () => {
          let json;
          try {
            json = JSON.parse(data);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode, headers: res.headers, body: data, json });
        });
      },
    );
    req.on('error', reject);
    if (body !== undefined) {
      req.write(body);
    }
    req.end();
  });
}

const post = (pathname, body, headers = {}) =>
  request('POST', pathname, {
    headers: { Origin: origin, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

// A WebSocket upgrade request; resolves with the HTTP status (101 when accepted).
function upgrade(headers) {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port,
      path: '/ws',
      rejectUnauthorized: false,
      servername: 'localhost',
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
  });
}

function cookieOf(response, name) {
  const line = (response.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${name}=`));
  return line;
}

before(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'saferchat-demo-api-'));
  const cards = env('SAFERCHAT_TEST_CARDS');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1',
    '-keyout', path.join(work, 'chat.key'), '-out', path.join(work, 'chat.crt'), '-subj', '/CN=localhost',
    '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ], { stdio: 'ignore' });
  fs.writeFileSync(path.join(work, 'pseudonym.key'), Buffer.alloc(32, 7), { mode: 0o600 });
  // The chat's port first (its origin goes into saferchatd's configuration).
  const chatReady = start(env('SAFERCHAT_DEMO_CHAT'), [
    '--cert', path.join(work, 'chat.crt'), '--key', path.join(work, 'chat.key'), '--port', '0',
    '--saferchatd', 'http://127.0.0.1:1', '--page-api-dir',
    path.join(env('SAFERCHAT_SOURCE_DIR'), 'extension', 'page-api'),
  ], /listening https:\/\/localhost:(\d+)\nready/);
  const probe = await chatReady;
  children.pop().kill();
  port = Number(probe[1]);
  origin = `https://localhost:${port}`;
  fs.writeFileSync(path.join(work, 'saferchatd.json'), JSON.stringify({
    listen: '127.0.0.1:0',
    threads: 1,
    trustAnchors: [path.join(cards, 'pki', 'trust-anchors.pem')],
    intermediates: [path.join(cards, 'pki', 'citizen-ca-rsa.pem'), path.join(cards, 'pki', 'citizen-ca-p384.pem')],
    allowedOrigins: [origin],
    store: { type: 'memory' },
    revocation: { mode: 'none' },
    pseudonymKeyFile: 'pseudonym.key',
  }));
  const verifier = await start(env('SAFERCHATD'), ['--config', path.join(work, 'saferchatd.json')],
    /listening on 127\.0\.0\.1:(\d+)/);
  await start(env('SAFERCHAT_DEMO_CHAT'), [
    '--cert', path.join(work, 'chat.crt'), '--key', path.join(work, 'chat.key'), '--port', String(port),
    '--saferchatd', `http://127.0.0.1:${verifier[1]}`, '--page-api-dir',
    path.join(env('SAFERCHAT_SOURCE_DIR'), 'extension', 'page-api'),
  ], /ready/);
});

after(() => {
  for (const child of children) {
    child.removeAllListeners('exit');
    child.kill();
  }
  fs.rmSync(work, { recursive: true, force: true });
});

describe('files', () => {
  test('the page, with its security headers', async () => {
    const page = await request('GET', '/');
    assert.equal(page.status, 200);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.match(page.body, /<script type="module" src="\/app.js">/);
    assert.equal(page.headers['content-security-policy'],
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
      `connect-src 'self' wss://localhost:${port}; base-uri 'none'; form-action 'none'; ` +
      "frame-ancestors 'none'");
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
  });

  test('the page API module from the extension build', async () => {
    const api = await request('GET', '/page-api/saferchat.mjs');
    assert.equal(api.status, 200);
    assert.equal(api.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.match(api.body, /export \{ [^}]*authenticate[^}]* \};/);
  });

  test('nothing outside the served folders', async () => {
    for (const target of ['/../CMakeLists.txt', '/%2e%2e/CMakeLists.txt', '/app.js/..', '/nope.html',
      '/page-api/../app.js.bak']) {
      const response = await request('GET', target);
      assert.equal(response.status, 404, target);
      assert.deepEqual(response.json, { error: { code: 'NOT_FOUND' } });
    }
    const post_ = await post('/index.html', {});
    assert.equal(post_.status, 405);
    assert.equal(post_.headers.allow, 'GET');
  });
});

describe('api', () => {
  test('config: rooms, four languages, a refusal for every page API code', async () => {
    const config = await request('GET', '/api/config');
    assert.equal(config.status, 200);
    assert.deepEqual(config.json.rooms, [
      { id: 'kids', minAge: 6, maxAge: 11 },
      { id: 'teens', minAge: 12, maxAge: 15 },
      { id: 'everyone', minAge: 6, maxAge: 15 },
    ]);
    assert.deepEqual(config.json.languages, ['nl', 'fr', 'de', 'en']);
    assert.equal(config.json.refusals.en.too_old.text,
      "This room is for children from {min} to {max}. Your card says you are older, so you can't come in.");
    assert.equal(config.json.refusals.nl.too_old.title, 'Je kunt niet binnen');
    assert.equal(config.json.pageApiErrors.ERR_SAFERCHAT_EXTENSION_MISSING, 'extension_missing');
  });

  test('challenge: a nonce from saferchatd and a join cookie', async () => {
    const challenge = await post('/api/challenge', { room: 'kids' });
    assert.equal(challenge.status, 200);
    assert.match(challenge.json.challengeNonce, /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(challenge.json.expiresInSeconds, 300);
    assert.match(cookieOf(challenge, 'sc_join'),
      /^sc_join=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=300; HttpOnly; SameSite=Strict; Secure$/);
    assert.equal(challenge.headers['cache-control'], 'no-store');
  });

  test('POSTs only from the chat itself, only JSON', async () => {
    for (const headers of [{ Origin: 'https://evil.example' }, { Origin: `https://127.0.0.1:${port}` }, { Origin: '' }]) {
      const response = await post('/api/challenge', { room: 'kids' }, headers);
      assert.equal(response.status, 403, JSON.stringify(headers));
      assert.deepEqual(response.json, { error: { code: 'ORIGIN_NOT_ALLOWED' } });
    }
    const form = await post('/api/challenge', 'room=kids', { 'Content-Type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.deepEqual(form.json, { error: { code: 'NOT_JSON' } });
    const get = await request('GET', '/api/challenge');
    assert.equal(get.status, 405);
    assert.equal(get.headers.allow, 'POST');
  });

  test('bad requests get a stable error', async () => {
    assert.deepEqual((await post('/api/challenge', { room: 'adults' })).json, { error: { code: 'UNKNOWN_ROOM' } });
    assert.deepEqual((await post('/api/challenge', 'not json')).json, { error: { code: 'UNKNOWN_ROOM' } });
    assert.deepEqual((await post('/api/join', '[]')).json, { error: { code: 'BAD_REQUEST' } });
    assert.deepEqual((await post('/api/join', { room: 'kids', challengeNonce: 'x', token: 'no' })).json,
      { error: { code: 'BAD_REQUEST' } });
    const big = await post('/api/join', { pad: 'x'.repeat(70 * 1024) });
    assert.equal(big.status, 413);
    assert.deepEqual(big.json, { error: { code: 'REQUEST_TOO_LARGE' } });
    assert.equal((await request('GET', '/api/nothing')).status, 404);
  });

  test('join: without the challenge\'s cookie, or a second time, nothing is verified', async () => {
    const challenge = await post('/api/challenge', { room: 'kids' });
    const nonce = challenge.json.challengeNonce;
    const joinCookie = cookieOf(challenge, 'sc_join').split(';')[0];
    const token = { unverifiedCertificate: 'AAAA', algorithm: 'ES384', signature: 'AAAA', format: 'web-eid:1.0', appVersion: 'x' };
    const body = { room: 'kids', challengeNonce: nonce, token, lang: 'nl' };

    const noCookie = await post('/api/join', body);
    assert.equal(noCookie.json.verdict, 'rejected');
    assert.equal(noCookie.json.reason, 'JOIN_UNKNOWN');
    assert.equal(noCookie.json.refusal, 'try_again');
    assert.equal(noCookie.json.message, 'Er ging onderweg iets mis. Probeer het nog eens.');

    const otherRoom = await post('/api/join', { ...body, room: 'teens' }, { Cookie: joinCookie });
    assert.equal(otherRoom.json.reason, 'JOIN_UNKNOWN');  // and the join is used up
    const again = await post('/api/join', body, { Cookie: joinCookie });
    assert.equal(again.json.reason, 'JOIN_UNKNOWN');
  });

  test('join: saferchatd\'s verdict on a broken token, in the child\'s words', async () => {
    const challenge = await post('/api/challenge', { room: 'kids' });
    const joinCookie = cookieOf(challenge, 'sc_join').split(';')[0];
    const response = await post('/api/join', {
      room: 'kids',
      challengeNonce: challenge.json.challengeNonce,
      token: { unverifiedCertificate: '!!', algorithm: 'ES384', signature: 'AAAA', format: 'web-eid:1.0' },
      lang: 'de',
    }, { Cookie: joinCookie });
    assert.equal(response.status, 200);
    assert.deepEqual(response.json, {
      verdict: 'rejected',
      refusal: 'software_problem',
      title: 'Das hat nicht geklappt',
      message: 'Auf diesem Computer oder beim Chat ist etwas nicht richtig eingestellt. Bitte einen Erwachsenen um Hilfe.',
      reason: 'TOKEN_MALFORMED',
    });
    assert.match(cookieOf(response, 'sc_join'), /^sc_join=; Path=\/; Max-Age=0;/);
    assert.equal(cookieOf(response, 'sc_member'), undefined);
  });

  test('no session without a card: no room, no WebSocket', async () => {
    assert.deepEqual((await request('GET', '/api/session')).json, { inRoom: false });
    assert.deepEqual((await request('GET', '/api/session', { headers: { Cookie: 'sc_member=forged' } })).json,
      { inRoom: false });
    assert.equal(await upgrade({ Origin: origin }), 403);
    assert.equal(await upgrade({ Origin: origin, Cookie: 'sc_member=forged' }), 403);
    assert.equal(await upgrade({ Origin: 'https://evil.example', Cookie: 'sc_member=forged' }), 403);
    const leave = await post('/api/leave', {});
    assert.equal(leave.status, 200);
    assert.match(cookieOf(leave, 'sc_member'), /^sc_member=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict; Secure$/);
  });

  test('health', async () => {
    assert.deepEqual((await request('GET', '/healthz')).json, { status: 'ok' });
  });
});
