#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Builds the Safer Chat extension for each browser from this one source tree, and the page API.
//
//   node extension/build.mjs [--out DIR]        (default: build/extension)
//
// Output (only node builtins and the `zip` program):
//   DIR/chromium/                          unpacked; manifest with "key" (fixed ID), service worker
//   DIR/firefox/                           unpacked; manifest with the gecko id, background scripts
//   DIR/saferchat-<version>-chromium.zip   for the Chrome Web Store / policy installs
//   DIR/saferchat-<version>-firefox.xpi    for addons.mozilla.org (unsigned until AMO signs it)
//   DIR/page-api/                          saferchat.mjs (ES module), saferchat.js (plain script,
//                                          global SaferChat), saferchat.d.mts, saferchat.d.ts,
//                                          package.json, LICENSE (the npm package)
// Archives are reproducible: files in a fixed order with a fixed time stamp.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const source = path.dirname(fileURLToPath(import.meta.url));

// What goes into both packages, besides the generated manifest.json.
const EXTENSION_FILES = [
  'background.js',
  'common.js',
  'content.js',
  'host_connection.js',
  'managed_schema.json',
  'options.html',
  'options.js',
  'options_sites.js',
];
// The extension's texts in each language (WebExtension i18n: _locales/<lang>/messages.json).
const LOCALES = ['de', 'en', 'fr', 'nl'];
const PAGE_API_FILES = ['saferchat.mjs', 'saferchat.d.mts', 'saferchat.d.ts', 'package.json'];
// 2000-01-01T00:00:00Z: the time stamp of every file in the archives.
const FIXED_TIME = new Date(Date.UTC(2000, 0, 1));

function fail(message) {
  console.error(`build.mjs: ${message}`);
  process.exit(1);
}

function parseArguments(argv) {
  let out = 'build/extension';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && i + 1 < argv.length) {
      out = argv[++i];
    } else if (argv[i] === '--help') {
      console.log('Usage: node extension/build.mjs [--out DIR]');
      process.exit(0);
    } else {
      fail(`unknown argument ${argv[i]} (usage: node extension/build.mjs [--out DIR])`);
    }
  }
  return path.resolve(out);
}

// The Chromium extension ID of a public key (NOTES: first 32 hex digits of SHA-256 of the DER
// SubjectPublicKeyInfo, 0-f mapped to a-p).
export function extensionId(publicKeyBase64) {
  const hex = createHash('sha256').update(Buffer.from(publicKeyBase64, 'base64')).digest('hex');
  return [...hex.slice(0, 32)].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

// Each browser's manifest from the one source manifest: Chromium gets the key and a service
// worker (it warns about gecko settings and background.scripts in MV3); Firefox gets background
// scripts (ESR 115 has no extension service workers), and neither key nor managed_schema.
export function browserManifests(manifest, publicKeyBase64) {
  const chromium = structuredClone(manifest);
  delete chromium.browser_specific_settings;
  chromium.key = publicKeyBase64;
  chromium.background = { service_worker: manifest.background.service_worker };

  const firefox = structuredClone(manifest);
  delete firefox.minimum_chrome_version;
  delete firefox.storage; // Firefox has no managed_schema: managed storage manifests instead
  firefox.background = { scripts: manifest.background.scripts };
  return { chromium, firefox };
}

// saferchat.js from saferchat.mjs: the module's text inside a function, its one export line
// turned into the global SaferChat.
export function plainScript(moduleText) {
  const exportLine = /^export \{ ([\w, ]+) \};\n$/m;
  const match = moduleText.match(exportLine);
  if (!match || moduleText.match(/^export /gm).length !== 1) {
    throw new Error('saferchat.mjs must end with exactly one "export { … };" line');
  }
  const body = moduleText.replace(exportLine, '').trimEnd();
  return (
    '// Safer Chat page API: the plain-script build of saferchat.mjs, made by\n' +
    '// extension/build.mjs. Defines the global SaferChat.\n' +
    '(function () {\n' +
    "'use strict';\n" +
    body +
    '\n\n' +
    `globalThis.SaferChat = Object.freeze({ ${match[1]} });\n` +
    '})();\n'
  );
}

function writeFile(file, text) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  fs.utimesSync(file, FIXED_TIME, FIXED_TIME);
}

// The files under `dir`, as paths relative to it, sorted.
function filesUnder(dir, prefix = '') {
  return fs
    .readdirSync(path.join(dir, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const name = path.posix.join(prefix, entry.name);
      return entry.isDirectory() ? filesUnder(dir, name) : [name];
    })
    .sort();
}

// zip the files of `dir` (sorted, folders included) into `archive`, without extra attributes
// (-X) or folder entries (-D).
function zipDirectory(dir, archive) {
  fs.rmSync(archive, { force: true });
  const files = filesUnder(dir);
  execFileSync('zip', ['-q', '-X', '-D', archive, ...files], {
    cwd: dir,
    env: { ...process.env, TZ: 'UTC' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

// Every language has exactly the messages of English (the default), each non-empty; the
// manifest's __MSG_name__ references exist.
function checkLocales() {
  const read = (locale) =>
    JSON.parse(fs.readFileSync(path.join(source, '_locales', locale, 'messages.json'), 'utf8'));
  const english = read('en');
  for (const locale of LOCALES) {
    const messages = read(locale);
    const names = Object.keys(messages).sort().join(' ');
    if (names !== Object.keys(english).sort().join(' ')) {
      fail(`_locales/${locale}/messages.json has other message names than en`);
    }
    for (const [name, entry] of Object.entries(messages)) {
      if (typeof entry.message !== 'string' || entry.message.trim() === '') {
        fail(`_locales/${locale}/messages.json: ${name} is empty`);
      }
    }
  }
  const manifestText = fs.readFileSync(path.join(source, 'manifest.json'), 'utf8');
  for (const [, name] of manifestText.matchAll(/__MSG_(\w+)__/g)) {
    if (!(name in english)) {
      fail(`manifest.json names the missing message ${name}`);
    }
  }
}

function main() {
  const out = parseArguments(process.argv.slice(2));
  const manifest = JSON.parse(fs.readFileSync(path.join(source, 'manifest.json'), 'utf8'));
  const key = fs.readFileSync(path.join(source, 'key.pub.b64'), 'utf8').trim();
  if (!/^\d+\.\d+\.\d+$/.test(manifest.version)) {
    fail(`manifest version ${manifest.version} is not MAJOR.MINOR.PATCH`);
  }
  const pageApi = fs.readFileSync(path.join(source, 'page-api', 'saferchat.mjs'), 'utf8');
  if (!pageApi.includes(`const VERSION = '${manifest.version}';`)) {
    fail(`page-api/saferchat.mjs VERSION differs from the manifest's ${manifest.version}`);
  }
  const pagePackage = JSON.parse(fs.readFileSync(path.join(source, 'page-api', 'package.json'), 'utf8'));
  if (pagePackage.version !== manifest.version) {
    fail(`page-api/package.json version differs from the manifest's ${manifest.version}`);
  }
  checkLocales();

  const manifests = browserManifests(manifest, key);
  const archives = {
    chromium: `saferchat-${manifest.version}-chromium.zip`,
    firefox: `saferchat-${manifest.version}-firefox.xpi`,
  };
  for (const browser of ['chromium', 'firefox']) {
    const dir = path.join(out, browser);
    fs.rmSync(dir, { recursive: true, force: true });
    writeFile(path.join(dir, 'manifest.json'), JSON.stringify(manifests[browser], null, 2) + '\n');
    for (const file of EXTENSION_FILES) {
      writeFile(path.join(dir, file), fs.readFileSync(path.join(source, file)));
    }
    for (const locale of LOCALES) {
      const messages = path.join('_locales', locale, 'messages.json');
      writeFile(path.join(dir, messages), fs.readFileSync(path.join(source, messages)));
    }
    writeFile(path.join(dir, 'LICENSE'), fs.readFileSync(path.join(source, '..', 'LICENSE')));
    zipDirectory(dir, path.join(out, archives[browser]));
  }

  const pageDir = path.join(out, 'page-api');
  fs.rmSync(pageDir, { recursive: true, force: true });
  for (const file of PAGE_API_FILES) {
    writeFile(path.join(pageDir, file), fs.readFileSync(path.join(source, 'page-api', file)));
  }
  writeFile(path.join(pageDir, 'saferchat.js'), plainScript(pageApi));
  writeFile(path.join(pageDir, 'LICENSE'), fs.readFileSync(path.join(source, '..', 'LICENSE')));

  console.log(`built Safer Chat ${manifest.version} in ${out}`);
  console.log(`  chromium: ID ${extensionId(key)}, ${archives.chromium}`);
  console.log(`  firefox:  ${manifest.browser_specific_settings.gecko.id}, ${archives.firefox}`);
  console.log('  page API: page-api/saferchat.mjs, saferchat.js, saferchat.d.mts, saferchat.d.ts, package.json');
}

// Run when executed, not when a test imports the helpers above.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main();
}
