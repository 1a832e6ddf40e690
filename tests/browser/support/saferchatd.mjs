// SPDX-License-Identifier: Apache-2.0
// The chat site's verification service for the browser tests: the real saferchatd on the
// development configuration for the TEST cards (server/service/saferchatd.test-pki.json, as
// docs/integration.md §6 gives it), with the site's origin, its sealing keys (the current and
// the previous one, PEM files made from the test's keys), a pseudonym key and the holder's birth
// date not revealed. Listens on a free loopback port.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { sourceDir } from './paths.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The development configuration as shipped (JSON with whole-line // comments), its relative
// paths taken from `testCardsParent` (the folder that holds test-cards/).
function developmentConfig(testCardsParent) {
  const text = fs.readFileSync(path.join(sourceDir, 'server', 'service', 'saferchatd.test-pki.json'), 'utf8');
  const config = JSON.parse(text.split('\n').filter((line) => !/^\s*\/\//.test(line)).join('\n'));
  const absolute = (file) => path.resolve(testCardsParent, file);
  config.trustAnchors = config.trustAnchors.map(absolute);
  config.intermediates = config.intermediates.map(absolute);
  return config;
}

// sealKeys: [{ kid, privateKey (node:crypto KeyObject) }], the current key first.
export async function startSaferchatd({ binary, testCards, dir, origin, sealKeys }) {
  fs.mkdirSync(dir, { recursive: true });
  const config = developmentConfig(path.dirname(testCards));
  config.allowedOrigins = [origin];
  config.sealingKeys = sealKeys.map(({ kid, privateKey }) => {
    const file = path.join(dir, `${kid}.pem`);
    fs.writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    return { kid, file };
  });
  const pseudonymKey = path.join(dir, 'pseudonym.key');
  fs.writeFileSync(pseudonymKey, crypto.randomBytes(32), { mode: 0o600 });
  config.pseudonymKeyFile = pseudonymKey;
  config.revealBirthDate = false;
  config.revealNationalNumber = false;
  const configFile = path.join(dir, 'saferchatd.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  const portFile = path.join(dir, 'saferchatd.port');
  const child = spawn(binary, ['--config', configFile, '--listen', '127.0.0.1:0', '--port-file', portFile],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const port = () => (fs.existsSync(portFile) ? fs.readFileSync(portFile, 'utf8').trim() : '');
  for (let i = 0; i < 600 && !port() && child.exitCode === null; i++) {
    await sleep(50);
  }
  if (!port()) {
    child.kill('SIGKILL');
    throw new Error(`saferchatd did not start: ${stderr}`);
  }
  const url = `http://127.0.0.1:${port()}`;
  return {
    url,
    config,
    // POSTs `body` as JSON; resolves with { status, json }.
    async post(route, body) {
      const response = await fetch(`${url}${route}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: await response.json() };
    },
    async get(route) {
      const response = await fetch(`${url}${route}`);
      return { status: response.status, json: await response.json() };
    },
    async close() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
