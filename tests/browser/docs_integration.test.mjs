// SPDX-License-Identifier: Apache-2.0
// docs/integration.md §6 as a chat provider follows it: the blocks marked `<!-- doc-test: … -->`
// are taken from the document and run as written, from a folder laid out like a checkout of
// Safer Chat whose build/ci is this build: saferchatd on the development configuration
// (server/service/saferchatd.test-pki.json), scripts/test-card-stack.sh with the scripted PIN
// dialog, the extension loaded in Chromium (Playwright) and Firefox (Puppeteer), and a login
// that saferchatd verifies (the 9-year-old admitted, the adult refused). Also the refusal of the
// same configuration with the real Belgian roots, with the message the document shows.
//
// Environment (tests/browser/CMakeLists.txt): SAFERCHAT_BUILD_DIR, SAFERCHAT_EXTENSION_DIR.
// The build lines of the setup block (cmake) and the TEST cards (make_test_cards.sh) are done
// by ctest already (the build, the test_cards fixture): running them again here would rebuild
// or replace what other tests use at the same time.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { sourceDir } from './support/paths.mjs';
import { startWebServer } from './support/web_server.mjs';

const buildDir = path.resolve(process.env.SAFERCHAT_BUILD_DIR ?? '');
const extensionDir = path.resolve(process.env.SAFERCHAT_EXTENSION_DIR ?? '');
const doc = fs.readFileSync(path.join(sourceDir, 'docs', 'integration.md'), 'utf8');

// The fenced block that follows `<!-- doc-test: name -->`.
function docBlock(name) {
  const match = doc.match(new RegExp(`<!-- doc-test: ${name} -->\\n\`\`\`[a-z]*\\n([\\s\\S]*?)\\n\`\`\``));
  assert.ok(match, `docs/integration.md has no doc-test block "${name}"`);
  return match[1];
}
// Shell lines of a block (a line ending in \ continues).
function shellLines(block) {
  return block.replace(/\\\n/g, ' ').split('\n').filter((line) => line.trim() && !line.startsWith('#'));
}

describe('docs/integration.md §6: a first TEST login from the document alone', () => {
  let tmp;
  let checkout; // laid out like a checkout: the sources, build/ci = this build
  let env;
  let web;
  let saferchatd;
  let saferchatdUrl;

  const sh = (line, extraEnv = {}) => spawnSync('bash', ['-c', line], {
    cwd: checkout, env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 240000,
  });
  // The same without blocking this process, whose web server the browser then reaches.
  const shAsync = (line, extraEnv = {}) => new Promise((resolve) => {
    const child = spawn('bash', ['-c', line], { cwd: checkout, env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGTERM'), 240000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'saferchat-docs-'));
    checkout = path.join(tmp, 'checkout');
    fs.mkdirSync(path.join(checkout, 'build'), { recursive: true });
    for (const entry of ['scripts', 'server', 'virtual-card', 'installer', 'node_modules']) {
      fs.symlinkSync(path.join(sourceDir, entry), path.join(checkout, entry));
    }
    fs.symlinkSync(buildDir, path.join(checkout, 'build', 'ci'));
    fs.symlinkSync(extensionDir, path.join(checkout, 'build', 'extension'));
    const home = path.join(tmp, 'home');
    fs.mkdirSync(home);
    env = { ...process.env, HOME: home };
    web = await startWebServer(tmp, path.join(extensionDir, 'page-api'));
  });

  after(async () => {
    saferchatd?.kill('SIGTERM');
    await web?.close();
    if (tmp && !process.env.SAFERCHAT_KEEP_TEST_FILES) {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('the setup commands give a usable development configuration', () => {
    const lines = shellLines(docBlock('setup'));
    assert.match(lines[0], /^cmake --preset ci /);
    assert.match(lines[1], /make_test_cards\.sh build\/ci\/test-cards$/);
    for (const line of lines.slice(2)) {
      const run = sh(line);
      assert.equal(run.status, 0, `${line}\n${run.stderr}`);
      if (line.includes('--check-config')) {
        assert.match(run.stdout, /^saferchatd: configuration build\/ci\/saferchatd\.test-pki\.json is usable \(store=memory revocation=none /);
      }
    }
  });

  it('the same configuration with the real Belgian roots is refused, with the documented message', () => {
    const config = path.join(buildDir, 'saferchatd.test-pki.json');
    const text = fs.readFileSync(config, 'utf8');
    const belgian = path.join(buildDir, 'saferchatd.belgian-roots-none.json');
    fs.writeFileSync(belgian, text.replace(/"trustAnchors": \[[^\]]*\]/, '"trustAnchors": ["builtin:belgium"]'));
    const run = sh(`build/ci/server/service/saferchatd --config ${belgian} --check-config`);
    fs.rmSync(belgian);
    assert.equal(run.status, 2);
    const documented = doc.match(/refuses to start:\n\n```\n(saferchatd: [^\n]+)\n```/);
    assert.ok(documented, 'the document shows the refusal');
    assert.equal(run.stderr, `${documented[1]}\n`);
  });

  it('Chromium (Playwright) and Firefox (Puppeteer) in the TEST card stack: admitted, refused', async () => {
    // As the document says: allowedOrigins is your site's origin; then start saferchatd.
    const config = path.join(buildDir, 'saferchatd.test-pki.json');
    const text = fs.readFileSync(config, 'utf8');
    fs.writeFileSync(config, text.replace('"allowedOrigins": ["https://localhost:8443"]',
      `"allowedOrigins": ["${web.https}"]`));
    const portFile = path.join(tmp, 'saferchatd.port');
    saferchatd = spawn(path.join(buildDir, 'server/service/saferchatd'),
      ['--config', config, '--listen', '127.0.0.1:0', '--port-file', portFile], { stdio: 'ignore' });
    for (let i = 0; i < 200 && !(fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim()); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    saferchatdUrl = `http://127.0.0.1:${fs.readFileSync(portFile, 'utf8').trim()}`;

    fs.writeFileSync(path.join(checkout, 'first-login.chromium.mjs'), docBlock('chromium'));
    fs.writeFileSync(path.join(checkout, 'first-login.firefox.mjs'), docBlock('firefox'));
    const lines = shellLines(docBlock('run'));
    assert.equal(lines.length, 2);
    const siteEnv = { SITE: `${web.https}/page.html`, SAFERCHATD_URL: saferchatdUrl };
    const expected = ['verdict accepted 9', 'verdict rejected 35'];
    for (const [i, line] of lines.entries()) {
      const run = await shAsync(line, siteEnv);
      assert.equal(run.status, 0, `${line}\n${run.stdout}\n${run.stderr}`);
      const status = JSON.parse(run.stdout.match(/^status (.*)$/m)[1]);
      assert.deepEqual(status.extension, { present: true, version: '0.1.0' });
      assert.equal(status.host.present, true);
      assert.equal(status.host.pcsc.readerCount, 1);
      assert.match(run.stdout, new RegExp(`^${expected[i]}$`, 'm'), run.stdout);
    }
  });
});
