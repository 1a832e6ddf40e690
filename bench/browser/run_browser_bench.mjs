#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Time from a page's SaferChat.authenticate() call to the token, in real headless Chromium and
// Firefox, with the built extension, the host installed by installer/saferchat-install, a private
// pcscd with the virtual Kids-ID (kid-9) and scripted-pinentry typing the PIN at once; once over
// the warm port (one host for all requests, the default) and once with one host per request
// (the extension's `connectionMode` setting). Prints medians split by where the time goes:
//
//   page → token                   measured in the page (performance.now)
//     card I/O, PIN dialog         the host's debug timing line (host/commands/card_commands.cpp)
//     minus card and dialog        page → token − card I/O − PIN dialog: what Safer Chat adds
//       browser                    page → token − the host's request (page API, content script,
//                                  background, native messaging, process start when per request)
//       host                       the host's request − card I/O − PIN dialog (queue, PC/SC
//                                  connection, hashing, the signature check, the reply)
//   APDUs per login                the login's own (timing line) plus, with a host started for
//                                  the request, what it read when it found the card
// and status(): without a gesture (the extension alone) and on a click (the host's `version`, no
// card). Every call the host serves is made from a click on the page's button, as a child's
// would be (docs/protocol.md §8.5). Then the targets of issue #7 and whether they are met: warm
// page → token minus card and dialog ≤ 5 ms (Chromium), ≤ 10 ms (Firefox); at most 5 APDUs per
// warm login. Before those, the first status() after the browser starts (issue #17: ≤ 300 ms),
// once per browser start (--cold-starts, default 3, after one start not counted): a page opened
// as soon as the browser is up asks status() without a gesture (what a chat page does when it
// loads), split into the content script's acknowledgement and the background's answer (in
// Chromium also when the service worker started and when its settings read completed), then once
// more at once (warm), then on a click (the host started, the settings read awaited).
//
// Usage: node bench/browser/run_browser_bench.mjs [--build-dir build/ci] [--runs 20]
//          [--browser chromium|firefox]... [--delay-ms N] [--cold-starts N]
// See bench/README.md.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchChromium, launchFirefox } from '../../tests/browser/support/browsers.mjs';
import { clickOutcome, clickToRun } from '../../tests/browser/support/click.mjs';
import { HostLog } from '../../tests/browser/support/host_log.mjs';
import { installHost } from '../../tests/browser/support/install.mjs';
import { startPcscEnv } from '../../tests/browser/support/pcsc_env.mjs';
import { newNonce, signatureValid } from '../../tests/browser/support/token.mjs';
import { startWebServer } from '../../tests/browser/support/web_server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROFILE = 'kid-9';
const MODES = ['warm', 'per-request'];
// Issue #7: warm page → token minus card and dialog time, per browser; APDUs per warm login.
const TARGET_MS = { chromium: 5, firefox: 10 };
const TARGET_APDUS = 5;
// Issue #17: the first status() after the browser starts.
const TARGET_FIRST_STATUS_MS = 300;

function parseArguments(argv) {
  const options = { buildDir: 'build/ci', runs: 20, browsers: [], delayMs: 0, coldStarts: 3 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--build-dir': options.buildDir = value; i++; break;
      case '--runs': options.runs = Number(value); i++; break;
      case '--browser': options.browsers.push(value); i++; break;
      case '--delay-ms': options.delayMs = Number(value); i++; break;
      case '--cold-starts': options.coldStarts = Number(value); i++; break;
      default:
        console.error('Usage: run_browser_bench.mjs [--build-dir DIR] [--runs N] [--browser chromium|firefox]... [--delay-ms N] [--cold-starts N]');
        process.exit(2);
    }
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) {
    console.error('--runs needs a positive integer');
    process.exit(2);
  }
  if (!Number.isInteger(options.coldStarts) || options.coldStarts < 0) {
    console.error('--cold-starts needs a whole number');
    process.exit(2);
  }
  if (options.browsers.length === 0) {
    options.browsers = ['chromium', 'firefox'];
  }
  if (options.browsers.some((b) => !(b in TARGET_MS))) {
    console.error('--browser is chromium or firefox');
    process.exit(2);
  }
  options.buildDir = path.resolve(root, options.buildDir);
  return options;
}

function median(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) {
    return NaN;
  }
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

// What the host log says about the one request of `command` served since `offset`. The host
// logs a request after its reply, and a login's timing line after its LOG OFF, which follows
// the reply: wait for them.
async function hostSide(hostLog, offset, command, what) {
  await hostLog.waitFor(`${what}: the host's log lines`, (log) => {
    const lines = log.records(offset);
    return (
      lines.some((r) => r.message.startsWith(`request command=${command} `)) &&
      (command !== 'authenticate' || lines.some((r) => r.message.startsWith('authenticate apdus=')))
    );
  });
  const records = hostLog.records(offset);
  const requests = records.filter((r) => r.message.startsWith(`request command=${command} `));
  if (requests.length !== 1 || requests[0].fields.result !== 'OK') {
    throw new Error(`${what}: expected one successful ${command} in the host log, found ${JSON.stringify(requests)}`);
  }
  const { pid } = requests[0];
  const own = records.filter((r) => r.pid === pid);
  const timing = own.find((r) => r.message.startsWith('authenticate apdus='))?.fields ?? {};
  const readAhead = own.find((r) => r.message.startsWith('card read ahead '));
  const started = own.find((r) => r.message.startsWith('started by '));
  return {
    pid,
    requestMs: Number(requests[0].fields.duration_ms),
    cardIoMs: Number(timing.card_io_ms),
    dialogMs: Number(timing.dialog_ms),
    cryptoMs: Number(timing.crypto_ms),
    loginApdus: Number(timing.apdus),
    // A host started for this request read the card when it found it.
    readAheadApdus: readAhead ? Number(readAhead.fields.apdus) : 0,
    startedAt: started?.time,
  };
}

// Runs `fn(arg)` in the page from a click on its button, as a child's click would (the
// extension asks the host only then, docs/protocol.md §8.5); resolves with what fn resolved with.
async function onClick(page, fn, arg) {
  await clickToRun(page, fn, arg);
  return clickOutcome(page);
}

// Runs in the page: one status() call, with the times of the content script's acknowledgement
// (saferchat:ack) and of the answer, from the page's clock.
async function timedStatus() {
  let ackAt = NaN;
  const onMessage = (event) => {
    if (event.source === window && event.data && event.data.type === 'saferchat:ack' && Number.isNaN(ackAt)) {
      ackAt = performance.now();
    }
  };
  window.addEventListener('message', onMessage, true);
  const started = performance.now();
  const answer = await SaferChat.status();
  const ended = performance.now();
  window.removeEventListener('message', onMessage, true);
  return {
    answer,
    calledAt: performance.timeOrigin + started, // ms since the epoch
    sincePageStartMs: started,
    ackMs: ackAt - started,
    totalMs: ended - started,
  };
}

async function measureMode(browserName, browser, page, setup, mode, runs) {
  const { web, hostLog, pin, pinentryScript } = setup;
  fs.writeFileSync(pinentryScript, `pin ${pin}\n`);
  const status = [];
  const quiet = [];
  const logins = [];
  // status() without a gesture: the extension answers alone (no host, no storage).
  for (let i = 0; i <= runs; i++) {
    const outcome = await page.evaluate(timedStatus);
    if (outcome.answer.host.present !== null) {
      throw new Error(`${browserName} ${mode}: status without a gesture, run ${i}: ${JSON.stringify(outcome.answer)}`);
    }
    if (i > 0) {
      quiet.push({ total: outcome.totalMs, ack: outcome.ackMs });
    }
  }
  // One warm-up call of each kind (not counted): the first opens the warm port.
  for (let i = 0; i <= runs; i++) {
    const offset = hostLog.size();
    const outcome = await onClick(page, timedStatus);
    if (outcome.answer.host.present !== true) {
      throw new Error(`${browserName} ${mode}: status run ${i}: the host is not present`);
    }
    const host = await hostSide(hostLog, offset, 'version', `${browserName} ${mode} status ${i}`);
    if (i > 0) {
      status.push({ total: outcome.totalMs, request: host.requestMs });
    }
  }
  const hosts = new Set();
  for (let i = 0; i <= runs; i++) {
    const offset = hostLog.size();
    const nonce = newNonce();
    const outcome = await onClick(page, async (challenge) => {
      const calledAt = Date.now();
      const started = performance.now();
      const token = await SaferChat.authenticate(challenge, { timeout: 60 });
      return { token, calledAt, totalMs: performance.now() - started };
    }, nonce);
    if (!signatureValid(outcome.token, web.https, nonce)) {
      throw new Error(`${browserName} ${mode}: run ${i}: the token does not verify`);
    }
    const host = await hostSide(hostLog, offset, 'authenticate', `${browserName} ${mode} run ${i}`);
    hosts.add(host.pid);
    if (i > 0) {
      const outside = outcome.totalMs - host.cardIoMs - host.dialogMs;
      logins.push({
        total: outcome.totalMs,
        cardIo: host.cardIoMs,
        dialog: host.dialogMs,
        outside,
        browser: outcome.totalMs - host.requestMs,
        host: host.requestMs - host.cardIoMs - host.dialogMs,
        crypto: host.cryptoMs,
        toHostStart: host.startedAt === undefined ? NaN : host.startedAt - outcome.calledAt,
        apdus: host.loginApdus + host.readAheadApdus,
        loginApdus: host.loginApdus,
      });
    }
  }
  return { status, quiet, logins, hostCount: hosts.size };
}

function launch(name, paths, profileDir, env) {
  return name === 'firefox'
    ? launchFirefox({ extensionDir: path.join(paths.extension, 'firefox'), profileDir, env })
    : launchChromium({ extensionDir: path.join(paths.extension, 'chromium'), userDataDir: profileDir, env });
}

// Per browser start: the first status() of a page opened as soon as the browser is up, without
// a gesture (what a chat page asks when it loads, to show its join button: issue #17's target),
// split by where it went (the content script's acknowledgement, then the background's answer;
// in Chromium also the service worker's start and its settings read), then a second call at
// once (warm), then the first status() on a click (the host started, the settings read awaited).
async function measureFirstStatus(name, setup, profileDir, starts) {
  const { paths, web, env, hostLog } = setup;
  const firsts = [];
  // One start first, not counted: Chromium installs the extension into the new profile then
  // (a child's browser has it installed already).
  if (starts > 0) {
    await (await launch(name, paths, profileDir, env)).close();
  }
  for (let i = 0; i < starts; i++) {
    const launchedAt = Date.now();
    const browser = await launch(name, paths, profileDir, env);
    const upAt = Date.now();
    try {
      const page = await browser.openPage(`${web.https}/page.html`);
      const cold = await page.evaluate(timedStatus);
      const warm = await page.evaluate(timedStatus);
      for (const outcome of [cold, warm]) {
        if (outcome.answer.host.present !== null || outcome.answer.extension.present !== true) {
          throw new Error(`${name}: status() without a gesture after start ${i}: ${JSON.stringify(outcome.answer)}`);
        }
      }
      const offset = hostLog.size();
      const clicked = await onClick(page, timedStatus);
      if (clicked.answer.host.present !== true) {
        throw new Error(`${name}: first status() on a click after start ${i}: the host is not present`);
      }
      const host = await hostSide(hostLog, offset, 'version', `${name} first status on a click ${i}`);
      // Chromium: the service worker's start and its settings read (which the click waited for).
      const background = browser.backgroundTimes ? await browser.backgroundTimes() : null;
      // Chromium: the service worker stopped (as after 30 s idle; the host ends with it), then
      // asked again without a gesture: the worker's start is then part of the answer.
      let afterStop = null;
      if (browser.stopBackground) {
        await browser.stopBackground(page);
        // A page without the click's gesture.
        const other = await browser.openPage(`${web.https}/page.html`);
        afterStop = await other.evaluate(timedStatus);
        if (afterStop.answer.host.present !== null) {
          throw new Error(`${name}: status() after the worker stopped: ${JSON.stringify(afterStop.answer)}`);
        }
      }
      const storageRead = background?.marks.find((m) => m.name === 'saferchat:storage-read');
      firsts.push({
        launchMs: upAt - launchedAt,
        pageAfterUpMs: cold.calledAt - upAt,
        total: cold.totalMs,
        ack: cold.ackMs,
        answer: cold.totalMs - cold.ackMs,
        // Chromium: the service worker started this long after the page's call (negative: before).
        workerStart: background ? background.startedAt - cold.calledAt : NaN,
        // Chromium: the settings read (storage.managed and .local) completed this long after the
        // page's first call (the answer without a gesture does not wait for it; the click does).
        storageRead: storageRead ? background.startedAt + storageRead.at - cold.calledAt : NaN,
        storageReadFromStart: storageRead ? storageRead.at : NaN,
        warmTotal: warm.totalMs,
        warmAck: warm.ackMs,
        afterStop: afterStop ? afterStop.totalMs : NaN,
        clicked: clicked.totalMs,
        clickedHost: host.requestMs,
        load: os.loadavg()[0],
      });
    } finally {
      await browser.close();
    }
  }
  return firsts;
}

async function benchBrowser(name, setup, options) {
  const { paths, tmp, web, env } = setup;
  const profileDir = path.join(tmp, `${name}-profile`);
  fs.mkdirSync(profileDir, { recursive: true });
  installHost(paths.installer, { host: paths.host, home: env.HOME, browser: name, chromiumUserDataDir: profileDir });
  const firstStatus = await measureFirstStatus(name, setup, profileDir, options.coldStarts);
  const browser = await launch(name, paths, profileDir, env);
  const results = { firstStatus };
  try {
    for (const mode of MODES) {
      await browser.setSettings({ connectionMode: mode });
      // Firefox installs the add-on again to read new settings: a fresh page.
      const page = await browser.openPage(`${web.https}/page.html`);
      results[mode] = await measureMode(name, browser, page, setup, mode, options.runs);
      await page.close();
    }
  } finally {
    await browser.close();
  }
  return results;
}

function reportFirstStatus(firsts) {
  if (firsts.length === 0) {
    return;
  }
  const stats = (key) => {
    const values = firsts.map((f) => f[key]);
    const worst = Math.max(...values.filter(Number.isFinite));
    return `${median(values).toFixed(1).padStart(8)} ${(Number.isFinite(worst) ? worst.toFixed(1) : 'n/a').padStart(8)}   ` +
      values.map((v) => (Number.isFinite(v) ? v.toFixed(0) : 'n/a')).join(', ');
  };
  console.log(`  first status() after the browser starts, ${firsts.length} starts (ms)     median    worst   each start`);
  const rows = [
    ['browser start (launch → up)', 'launchMs'],
    ['page\'s call, after the browser is up', 'pageAfterUpMs'],
    ['without a gesture: page → answer (cold)', 'total'],
    ['  page → content script\'s ack', 'ack'],
    ['  ack → background\'s answer', 'answer'],
    ['  service worker started (from the call)', 'workerStart'],
    ['  settings read done (from the call)', 'storageRead'],
    ['  settings read done (from the worker\'s start)', 'storageReadFromStart'],
    ['second call at once (warm)', 'warmTotal'],
    ['  page → content script\'s ack', 'warmAck'],
    ['after the service worker stopped', 'afterStop'],
    ['first on a click: page → answer', 'clicked'],
    ['  host (version)', 'clickedHost'],
    ['load average (1 min) at the end', 'load'],
  ];
  for (const [label, key] of rows) {
    if (!firsts.some((f) => Number.isFinite(f[key]))) {
      continue; // not measured here: Firefox's background; the ack when the content script answers
    }
    console.log(`  ${label.padEnd(44)}${stats(key)}`);
  }
  const worst = Math.max(...firsts.map((f) => f.total));
  console.log(`  target: first status() ≤ ${TARGET_FIRST_STATUS_MS} ms: worst ${worst.toFixed(1)} ms, ` +
    `${worst <= TARGET_FIRST_STATUS_MS ? 'met' : 'NOT met'}`);
}

function report(name, results, runs) {
  const m = (list, key) => median(list.map((r) => r[key]));
  const cell = (value) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a').padStart(12);
  const row = (label, fn) => console.log(`  ${label.padEnd(40)}${MODES.map((mode) => cell(fn(results[mode]))).join('')}`);
  console.log(`\n${name}: medians of ${runs} runs (ms unless said)${''.padEnd(4)}${MODES.map((x) => x.padStart(12)).join('')}`);
  row('authenticate(): page → token', (r) => m(r.logins, 'total'));
  row('  card I/O', (r) => m(r.logins, 'cardIo'));
  row('  PIN dialog (scripted)', (r) => m(r.logins, 'dialog'));
  row('  minus card and dialog', (r) => m(r.logins, 'outside'));
  row('    browser (page ↔ host)', (r) => m(r.logins, 'browser'));
  row('      of which page → host started', (r) => m(r.logins, 'toHostStart'));
  row('    host (beside card, dialog)', (r) => m(r.logins, 'host'));
  row('      of which crypto', (r) => m(r.logins, 'crypto'));
  row('  APDUs per login (count)', (r) => m(r.logins, 'apdus'));
  row('  host processes used (count)', (r) => r.hostCount);
  row('status() without a gesture (no host)', (r) => m(r.quiet, 'total'));
  row('status() on a click: page → host → page', (r) => m(r.status, 'total'));
  row('  host (version)', (r) => m(r.status, 'request'));

  const warm = results.warm.logins;
  const outside = m(warm, 'outside');
  const apdus = Math.max(...warm.map((r) => r.loginApdus));
  const verdict = (ok) => (ok ? 'met' : 'NOT met');
  console.log(`  target: warm page → token minus card and dialog ≤ ${TARGET_MS[name]} ms: ` +
    `${outside.toFixed(1)} ms, ${verdict(outside <= TARGET_MS[name])}`);
  console.log(`  target: ≤ ${TARGET_APDUS} APDUs per warm login: at most ${apdus}, ${verdict(apdus <= TARGET_APDUS)}`);
  reportFirstStatus(results.firstStatus);
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const build = options.buildDir;
  const paths = {
    host: path.join(build, 'host/saferchat-host'),
    pcscEnv: path.join(build, 'tools/pcsc-env/saferchat-pcsc-env'),
    scriptedPinentry: path.join(build, 'tests/tools/scripted-pinentry'),
    testCards: path.join(build, 'test-cards'),
    installer: path.join(root, 'installer/saferchat-install'),
  };
  for (const file of [paths.host, paths.pcscEnv, paths.scriptedPinentry, paths.installer]) {
    if (!fs.existsSync(file)) {
      throw new Error(`${file} is missing: build ${build} first (bench/README.md)`);
    }
  }
  if (!fs.existsSync(path.join(paths.testCards, 'cards', PROFILE))) {
    execFileSync('bash', [path.join(root, 'virtual-card/profiles/make_test_cards.sh'), paths.testCards], { stdio: 'ignore' });
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'saferchat-browser-bench-'));
  paths.extension = path.join(tmp, 'extension');
  execFileSync(process.execPath, [path.join(root, 'extension/build.mjs'), '--out', paths.extension], { stdio: 'ignore' });

  const profileDir = path.join(paths.testCards, 'cards', PROFILE);
  const pin = JSON.parse(fs.readFileSync(path.join(profileDir, 'profile.json'), 'utf8')).pin;
  const pcsc = await startPcscEnv(paths.pcscEnv, profileDir, ['--delay-ms', String(options.delayMs)]);
  const web = await startWebServer(tmp, path.join(paths.extension, 'page-api'));
  const home = path.join(tmp, 'home');
  fs.mkdirSync(home);
  const hostLog = new HostLog(path.join(tmp, 'host.log'));
  const pinentryScript = path.join(tmp, 'pinentry-script');
  const env = {
    ...process.env,
    HOME: home,
    ...pcsc.env,
    SAFERCHAT_PINENTRY: paths.scriptedPinentry,
    SCRIPTED_PINENTRY_SCRIPT: pinentryScript,
    SAFERCHAT_LOG_LEVEL: 'debug', // the host's timing line per request
    SAFERCHAT_LOG_FILE: hostLog.file,
  };
  try {
    console.log(`Safer Chat in the browser: ${options.runs} runs per browser and mode, profile ${PROFILE}, ` +
      `virtual card delay ${options.delayMs} ms per APDU, ${os.cpus().length} CPUs, load average ${loadAverage()}`);
    for (const name of options.browsers) {
      const results = await benchBrowser(name, { paths, tmp, web, env, hostLog, pinentryScript, pin }, options);
      report(name, results, options.runs);
    }
    console.log(`\nload average at the end: ${loadAverage()}`);
  } finally {
    await web.close();
    await pcsc.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
