// SPDX-License-Identifier: Apache-2.0
// Unit tests of extension/build.mjs and its output: each browser's manifest, the fixed
// Chromium ID, the version agreeing with CMake's project version, the archives, the page API.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import vm from 'node:vm';
import { fileURLToPath } from 'node:url';

import { browserManifests, extensionId, plainScript } from '../../../extension/build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const extension = path.join(root, 'extension');
const key = fs.readFileSync(path.join(extension, 'key.pub.b64'), 'utf8').trim();
const source = JSON.parse(fs.readFileSync(path.join(extension, 'manifest.json'), 'utf8'));

function build(out) {
  execFileSync(process.execPath, [path.join(extension, 'build.mjs'), '--out', out], { stdio: 'pipe' });
}
function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}
// The scripts background.js loads with importScripts(…) (the Chromium service worker).
function importedScripts() {
  const background = fs.readFileSync(path.join(extension, 'background.js'), 'utf8');
  const call = background.match(/importScripts\(([^)]*)\)/);
  return [...call[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
}
// The entries of an archive, as `zip -sf` lists them (two spaces, then the name).
function zipEntries(archive) {
  const listing = execFileSync('zip', ['-sf', archive], { encoding: 'utf8' });
  return listing.split('\n').filter((line) => line.startsWith('  ')).map((line) => line.slice(2));
}

describe('extension build', () => {
  let out;
  before(() => {
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'saferchat-extension-build-'));
    build(out);
  });
  after(() => fs.rmSync(out, { recursive: true, force: true }));

  it('has the version of the CMake project', () => {
    const cmake = fs.readFileSync(path.join(root, 'CMakeLists.txt'), 'utf8');
    const version = cmake.match(/project\(\s*saferchat\s+VERSION\s+(\d+\.\d+\.\d+)/)[1];
    assert.equal(source.version, version);
    assert.equal(readJson(path.join(out, 'chromium', 'manifest.json')).version, version);
    assert.equal(readJson(path.join(out, 'firefox', 'manifest.json')).version, version);
    const pageApi = fs.readFileSync(path.join(out, 'page-api', 'saferchat.mjs'), 'utf8');
    assert.match(pageApi, new RegExp(`const VERSION = '${version.replaceAll('.', '\\.')}';`));
  });

  it('gives Chromium the fixed key, hence the ID nmgdeinpncakphdmdpndhifioncieboe', () => {
    const manifest = readJson(path.join(out, 'chromium', 'manifest.json'));
    assert.equal(manifest.key, key);
    assert.equal(extensionId(manifest.key), 'nmgdeinpncakphdmdpndhifioncieboe');
    assert.equal(manifest.manifest_version, 3);
    assert.deepEqual(manifest.background, { service_worker: 'background.js' });
    assert.equal(manifest.browser_specific_settings, undefined);
    assert.deepEqual(manifest.permissions, ['nativeMessaging', 'storage']);
  });

  it('gives Firefox the gecko id, ESR 115 as minimum and background scripts', () => {
    const manifest = readJson(path.join(out, 'firefox', 'manifest.json'));
    assert.equal(manifest.browser_specific_settings.gecko.id, 'saferchat@saferchat.be');
    assert.equal(manifest.browser_specific_settings.gecko.strict_min_version, '115.0');
    assert.equal(manifest.manifest_version, 3);
    assert.deepEqual(manifest.background, { scripts: ['common.js', 'host_connection.js', 'background.js'] });
    assert.equal(manifest.key, undefined);
    assert.equal(manifest.minimum_chrome_version, undefined);
  });

  it('differs per browser only in key, background and browser settings', () => {
    const { chromium, firefox } = browserManifests(source, key);
    for (const manifest of [chromium, firefox]) {
      for (const field of ['name', 'version', 'description', 'permissions', 'content_scripts', 'options_ui']) {
        assert.deepEqual(manifest[field], source[field], field);
      }
    }
    assert.deepEqual(chromium.storage, source.storage);
    assert.equal(firefox.storage, undefined);
  });

  it('puts every file a manifest names into each package and archive', () => {
    for (const [browser, archive] of [['chromium', 'saferchat-0.1.0-chromium.zip'], ['firefox', 'saferchat-0.1.0-firefox.xpi']]) {
      const manifest = readJson(path.join(out, browser, 'manifest.json'));
      const named = [
        ...(manifest.background.scripts ?? [manifest.background.service_worker]),
        ...manifest.content_scripts.flatMap((script) => script.js),
        manifest.options_ui.page,
        ...(manifest.storage ? [manifest.storage.managed_schema] : []),
        'options.js',
        'options_sites.js',
        // What the Chromium service worker imports, and the options page loads.
        ...importedScripts(),
      ];
      const entries = zipEntries(path.join(out, archive));
      assert.ok(entries.includes('manifest.json'));
      for (const file of named) {
        assert.ok(fs.existsSync(path.join(out, browser, file)), `${browser}: ${file}`);
        assert.ok(entries.includes(file), `${archive}: ${file}`);
      }
      assert.deepEqual(entries, [...entries].sort());
      // The archive holds exactly the unpacked folder: the licence, every language's texts.
      assert.deepEqual(entries, fs.readdirSync(path.join(out, browser), { recursive: true })
        .filter((name) => fs.statSync(path.join(out, browser, name)).isFile()).sort());
      for (const locale of ['de', 'en', 'fr', 'nl']) {
        assert.ok(entries.includes(`_locales/${locale}/messages.json`), `${archive}: ${locale}`);
      }
      assert.ok(entries.includes('LICENSE'));
      assert.equal(manifest.default_locale, 'en');
      assert.equal(manifest.name, '__MSG_extensionName__');
    }
  });

  it('makes the same archives byte for byte on a second build', () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'saferchat-extension-build-'));
    try {
      build(again);
      for (const archive of ['saferchat-0.1.0-chromium.zip', 'saferchat-0.1.0-firefox.xpi']) {
        assert.deepEqual(fs.readFileSync(path.join(again, archive)), fs.readFileSync(path.join(out, archive)));
      }
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });

  it('builds the page API as an ES module and as a plain script with the same names', async () => {
    const dir = path.join(out, 'page-api');
    assert.deepEqual(fs.readdirSync(dir).sort(),
      ['LICENSE', 'package.json', 'saferchat.d.mts', 'saferchat.d.ts', 'saferchat.js', 'saferchat.mjs']);
    const npmPackage = readJson(path.join(dir, 'package.json'));
    assert.equal(npmPackage.license, 'Apache-2.0');
    assert.equal(npmPackage.version, '0.1.0');
    for (const file of npmPackage.files) {
      assert.ok(fs.existsSync(path.join(dir, file)), file);
    }
    const module = await import(path.join(dir, 'saferchat.mjs'));
    const context = vm.createContext({});
    vm.runInContext(fs.readFileSync(path.join(dir, 'saferchat.js'), 'utf8'), context);
    const global = context.SaferChat;
    assert.deepEqual(Object.keys(global).sort(), Object.keys(module).sort());
    assert.equal(global.VERSION, module.VERSION);
    assert.deepEqual({ ...global.ErrorCode }, { ...module.ErrorCode });
    const error = new global.SaferChatError('ERR_SAFERCHAT_TIMEOUT', 'late');
    assert.equal(error.code, 'ERR_SAFERCHAT_TIMEOUT');
    assert.equal(error.name, 'SaferChatError');
    // The declarations name every export.
    const declarations = fs.readFileSync(path.join(dir, 'saferchat.d.mts'), 'utf8');
    for (const name of Object.keys(module)) {
      assert.match(declarations, new RegExp(`export declare (const|class|function) ${name}\\b`), name);
    }
  });

  it('refuses a page API module without its one export line', () => {
    assert.throws(() => plainScript('const a = 1;\n'), /exactly one "export/);
    assert.throws(() => plainScript('export const a = 1;\nexport { a };\n'), /exactly one "export/);
  });

  it('refuses unknown arguments', () => {
    assert.throws(() => execFileSync(process.execPath, [path.join(extension, 'build.mjs'), '--bogus'],
      { stdio: 'pipe' }), (error) => error.status === 1 && /unknown argument --bogus/.test(error.stderr));
  });
});
