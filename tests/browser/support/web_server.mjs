// The chat provider's page, served by the test itself: https with a self-signed certificate
// made with openssl (browsers are told to accept it), and plain http for the insecure-page and
// development-switch cases. Serves the built page API and a few test pages.
import { execFileSync } from 'node:child_process';
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

function handler(pageApiDir) {
  const files = {
    '/saferchat.js': ['saferchat.js', 'text/javascript'],
    '/saferchat.mjs': ['saferchat.mjs', 'text/javascript'],
  };
  return (request, response) => {
    const url = new URL(request.url, 'http://x');
    let body;
    let type = 'text/html; charset=utf-8';
    if (url.pathname === '/page.html') {
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
export async function startWebServer(tmpDir, pageApiDir) {
  const serve = handler(pageApiDir);
  const secure = https.createServer(makeCertificate(tmpDir), serve);
  const plain = http.createServer(serve);
  const plainOther = http.createServer(serve);
  const httpsPort = await listen(secure, '127.0.0.1');
  const httpPort = await listen(plain, '127.0.0.1');
  const otherPort = await listen(plainOther, '127.0.0.2');
  const servers = [secure, plain, plainOther];
  return {
    https: `https://localhost:${httpsPort}`,
    httpsOther: `https://127.0.0.1:${httpsPort}`,
    http: `http://localhost:${httpPort}`,
    httpOther: `http://127.0.0.2:${otherPort}`,
    close: () => Promise.all(servers.map((s) => new Promise((resolve) => {
      s.closeAllConnections();
      s.close(resolve);
    }))),
  };
}
