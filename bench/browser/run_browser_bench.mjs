#!/usr/bin/env node
// Time from a page's SaferChat.authenticate() call to the token, in real headless Chromium and
// Firefox, with the built extension, the host installed by installer/saferchat-install, a private
// pcscd with the virtual Kids-ID (kid-9) and scripted-pinentry typing the PIN at once.
// Prints the median of N runs, split by where the time goes:
//
//   page → host started    page call → the host's first log line ("started by"): content
//                          script, background, the browser starting the host process, host init
//   ready → request        the host's ready event to the background and its request back
//   host request           the host serving authenticate (log "request … duration_ms"), of which
//     card I/O, PIN dialog, crypto  (the host's debug timing line, host/commands/card_commands.cpp)
//   reply → page           host reply → background → content script → page
//   total                  page call → token, measured in the page
// and for reference status() (the host's `version`, no card: page → host started, the
// request) and the host's own cold start (spawned directly: exec → ready message).
//
// Usage: node bench/browser/run_browser_bench.mjs [--build-dir build/ci] [--runs 10]
//          [--browser chromium|firefox]... [--delay-ms N]
// See bench/README.md.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchChromium, launchFirefox } from '../../tests/browser/support/browsers.mjs';
import { installHost } from '../../tests/browser/support/install.mjs';
import { startPcscEnv } from '../../tests/browser/support/pcsc_env.mjs';
import { newNonce, signatureValid } from '../../tests/browser/support/token.mjs';
import { startWebServer } from '../../tests/browser/support/web_server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PROFILE = 'kid-9';

function parseArguments(argv) {
  const options = { buildDir: 'build/ci', runs: 10, browsers: [], delayMs: 0 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    switch (argv[i]) {
      case '--build-dir': options.buildDir = value; i++; break;
      case '--runs': options.runs = Number(value); i++; break;
      case '--browser': options.browsers.push(value); i++; break;
      case '--delay-ms': options.delayMs = Number(value); i++; break;
      default:
        console.error('Usage: run_browser_bench.mjs [--build-dir DIR] [--runs N] [--browser chromium|firefox]... [--delay-ms N]');
        process.exit(2);
    }
  }
  if (!Number.isInteger(options.runs) || options.runs < 1) {
    console.error('--runs needs a positive integer');
    process.exit(2);
  }
  if (options.browsers.length === 0) {
    options.browsers = ['chromium', 'firefox'];
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

// The host log's lines of one process: time stamps and key=value fields (docs/protocol.md §7).
function hostRecords(logText) {
  const byPid = new Map();
  for (const line of logText.split('\n')) {
    const match = line.match(/^(\S+Z) \w+ saferchat-host\[(\d+)\] (.*)$/);
    if (!match) {
      continue;
    }
    const [, stamp, pid, message] = match;
    const record = byPid.get(pid) ?? {};
    const time = Date.parse(stamp);
    const fields = Object.fromEntries([...message.matchAll(/(\w+)=([\w.]+)/g)].map((m) => [m[1], m[2]]));
    if (message.startsWith('started by')) {
      record.started = time;
    } else if (message.startsWith('authenticate ') && 'total_ms' in fields) {
      record.timing = fields;
    } else if (message.startsWith('request command=')) {
      record.command = fields.command;
      record.requestEnd = time;
      record.requestMs = Number(fields.duration_ms);
      record.result = fields.result;
    }
    byPid.set(pid, record);
  }
  return byPid;
}

// The one host process that served `command` in the log written since `offset`.
function oneHostRequest(hostLog, offset, command, what) {
  const log = fs.readFileSync(hostLog, 'utf8').slice(offset);
  const hosts = [...hostRecords(log).values()].filter((r) => r.command === command);
  if (hosts.length !== 1) {
    throw new Error(`${what}: expected one ${command} request in the host log, found ${hosts.length}`);
  }
  return hosts[0];
}

// The host alone: spawned as Chromium would, time until its ready message (median of `runs`).
async function hostColdStartMs(host, env, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const child = spawn(host, ['chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/'], {
      env, stdio: ['pipe', 'pipe', 'ignore'],
    });
    await new Promise((resolve) => child.stdout.once('data', resolve));
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    child.stdin.end();
    await new Promise((resolve) => child.once('exit', resolve));
  }
  return median(times);
}

async function benchBrowser(name, setup, options) {
  const { paths, tmp, web, env, hostLog, pinentryScript } = setup;
  const chromiumUserDataDir = path.join(tmp, `${name}-profile`);
  fs.mkdirSync(chromiumUserDataDir, { recursive: true });
  installHost(paths.installer, { host: paths.host, home: env.HOME, browser: name, chromiumUserDataDir });
  const launchStarted = Date.now();
  const browser = name === 'firefox'
    ? await launchFirefox({ extensionDir: path.join(paths.extension, 'firefox'), profileDir: chromiumUserDataDir, env })
    : await launchChromium({ extensionDir: path.join(paths.extension, 'chromium'), userDataDir: chromiumUserDataDir, env });
  const launchMs = Date.now() - launchStarted;
  try {
    const page = await browser.openPage(`${web.https}/page.html`);
    fs.writeFileSync(pinentryScript, `pin ${setup.pin}\n`);

    const statusRuns = [];
    for (let i = 0; i <= options.runs; i++) {
      const offset = fs.existsSync(hostLog) ? fs.statSync(hostLog).size : 0;
      const outcome = await page.evaluate(async () => {
        const calledAt = Date.now();
        const started = performance.now();
        const status = await SaferChat.status();
        return { status, calledAt, totalMs: performance.now() - started };
      });
      if (outcome.status.host.present !== true) {
        throw new Error(`${name}: status run ${i}: the host is not present`);
      }
      const host = oneHostRequest(hostLog, offset, 'version', `${name}: status run ${i}`);
      if (i > 0) { // the first run warms the extension up
        statusRuns.push({ total: outcome.totalMs, toHost: host.started - outcome.calledAt,
          request: host.requestMs });
      }
    }

    const runs = [];
    for (let i = 0; i <= options.runs; i++) {
      const offset = fs.existsSync(hostLog) ? fs.statSync(hostLog).size : 0;
      const nonce = newNonce();
      const outcome = await page.evaluate(async (challenge) => {
        const calledAt = Date.now();
        const started = performance.now();
        const token = await SaferChat.authenticate(challenge, { timeout: 60 });
        return { token, calledAt, totalMs: performance.now() - started, returnedAt: Date.now() };
      }, nonce);
      if (!signatureValid(outcome.token, web.https, nonce)) {
        throw new Error(`${name}: run ${i}: the token does not verify`);
      }
      const host = oneHostRequest(hostLog, offset, 'authenticate', `${name}: run ${i}`);
      const requestStart = host.requestEnd - host.requestMs;
      if (i > 0) {
        runs.push({
          total: outcome.totalMs,
          toHost: host.started - outcome.calledAt,
          readyToRequest: requestStart - host.started,
          request: host.requestMs,
          cardIo: Number(host.timing?.card_io_ms),
          dialog: Number(host.timing?.dialog_ms),
          crypto: Number(host.timing?.crypto_ms),
          other: host.requestMs - Number(host.timing?.card_io_ms) - Number(host.timing?.dialog_ms) -
            Number(host.timing?.crypto_ms),
          toPage: outcome.returnedAt - host.requestEnd,
        });
      }
    }
    return { launchMs, statusRuns, runs };
  } finally {
    await browser.close();
  }
}

function report(name, result, runs) {
  const m = (key, list = result.runs) => median(list.map((r) => r[key]));
  const row = (label, value) => console.log(`  ${label.padEnd(34)} ${Number.isFinite(value) ? value.toFixed(1).padStart(8) : '     n/a'} ms`);
  console.log(`\n${name}: median of ${runs} runs (browser start ${result.launchMs} ms, not counted)`);
  row('authenticate(): page call → token', m('total'));
  row('  page → host started', m('toHost'));
  row('  host ready → request received', m('readyToRequest'));
  row('  host request (authenticate)', m('request'));
  row('    card I/O', m('cardIo'));
  row('    PIN dialog (scripted)', m('dialog'));
  row('    crypto', m('crypto'));
  row('    other (card wait, PC/SC, reply)', m('other'));
  row('  host reply → page', m('toPage'));
  row('status(): page → host → page', m('total', result.statusRuns));
  row('  page → host started', m('toHost', result.statusRuns));
  row('  host request (version)', m('request', result.statusRuns));
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
  const hostLog = path.join(tmp, 'host.log');
  const pinentryScript = path.join(tmp, 'pinentry-script');
  const env = {
    ...process.env,
    HOME: home,
    ...pcsc.env,
    SAFERCHAT_PINENTRY: paths.scriptedPinentry,
    SCRIPTED_PINENTRY_SCRIPT: pinentryScript,
    SAFERCHAT_LOG_LEVEL: 'debug', // the host's timing line per request
    SAFERCHAT_LOG_FILE: hostLog,
  };
  try {
    console.log(`Safer Chat in the browser: ${options.runs} runs per browser, profile ${PROFILE}, ` +
      `virtual card delay ${options.delayMs} ms per APDU, ${os.cpus().length} CPUs`);
    const coldStart = await hostColdStartMs(paths.host, { ...env, SAFERCHAT_LOG_FILE: '/dev/null' }, options.runs);
    console.log(`host cold start alone (spawn → ready message), median: ${coldStart.toFixed(1)} ms`);
    for (const name of options.browsers) {
      const result = await benchBrowser(name, { paths, tmp, web, env, hostLog, pinentryScript, pin }, options);
      report(name, result, options.runs);
    }
  } finally {
    await web.close();
    await pcsc.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
