#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// The demo's browser part (scripts/demo.sh): Chromium, headless, with the Safer Chat extension
// loaded, joins a room of the demo chat the way a child does — choose the room, press the
// button, the card is asked (the PIN typed by scripted-pinentry, the host's real stand-in for
// the child), the chat checks the token with saferchatd — and prints each step and the outcome.
// Accepted: it says hello in the room, a second tab (a second WebSocket client of the same
// member) must receive it, and a screenshot of the room is saved. Refused: the page's words are
// printed and a screenshot of them is saved.
//
//   node demo/browser/join.mjs --url URL --room ID --lang nl|fr|de|en --extension-dir DIR
//        --user-data-dir DIR --spki HASH --out DIR [--pinentry-log FILE]
//        [--expect accepted | --expect refused:<refusal id>] [--expect-text TEXT]
//        [--without-extension] [--headed]
//
// --spki: base64 SHA-256 of the chat's certificate's public key: Chromium accepts that one
// self-signed certificate and no other (--ignore-certificate-errors-spki-list).
// --expect/--expect-text make it a test: exit status 1 when the outcome or the refusal's words
// differ. The browser's environment (PCSCLITE_CSOCK_NAME, SAFERCHAT_PINENTRY, HOME, ...) is
// passed on to the host it starts.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const STEP_TIMEOUT_MS = 120000;

function parseArguments(argv) {
  const options = { headed: false, withoutExtension: false };
  const names = {
    '--url': 'url',
    '--room': 'room',
    '--lang': 'lang',
    '--extension-dir': 'extensionDir',
    '--user-data-dir': 'userDataDir',
    '--spki': 'spki',
    '--out': 'out',
    '--pinentry-log': 'pinentryLog',
    '--expect': 'expect',
    '--expect-text': 'expectText',
  };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--headed') {
      options.headed = true;
    } else if (argv[i] === '--without-extension') {
      options.withoutExtension = true;
    } else if (names[argv[i]] && i + 1 < argv.length) {
      options[names[argv[i]]] = argv[++i];
    } else {
      throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  for (const required of ['url', 'room', 'lang', 'extensionDir', 'userDataDir', 'spki', 'out']) {
    if (!options[required]) {
      throw new Error(`--${required.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} is required`);
    }
  }
  return options;
}

function step(text) {
  console.log(`  → ${text}`);
}

// What the PIN dialog (scripted-pinentry) was asked to show, from its log.
function dialogTexts(logFile) {
  if (!logFile || !fs.existsSync(logFile)) {
    return [];
  }
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.command === 'SETDESC' || entry.command === 'SETERROR')
    .map((entry) => entry.argument);
}

async function launch(options) {
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--ignore-certificate-errors-spki-list=${options.spki}`,
    '--window-size=1100,900',
  ];
  if (!options.withoutExtension) {
    args.push(`--disable-extensions-except=${options.extensionDir}`, `--load-extension=${options.extensionDir}`);
  }
  if (!options.headed) {
    args.unshift('--headless=new');
  }
  return chromium.launchPersistentContext(options.userDataDir, {
    executablePath: '/usr/bin/chromium',
    headless: false, // the new headless mode, through --headless=new, loads extensions
    ignoreDefaultArgs: options.withoutExtension ? [] : ['--disable-extensions'],
    args,
    env: process.env,
    viewport: { width: 1000, height: 760 },
    locale: options.lang,
  });
}

async function visibleSection(page) {
  return page.evaluate(() =>
    ['lobby', 'progress', 'refusal', 'room'].find((id) => !document.getElementById(id).hidden));
}

async function run(options) {
  fs.mkdirSync(options.out, { recursive: true });
  const url = `${options.url}/?room=${encodeURIComponent(options.room)}&lang=${options.lang}`;
  const extension = options.withoutExtension ? 'WITHOUT the Safer Chat extension' : 'with the Safer Chat extension';
  step(`Chromium (${options.headed ? 'with a window' : 'headless'}) ${extension} opens ${url}`);
  const context = await launch(options);
  const failures = [];
  let outcome;
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT_MS);
    page.on('pageerror', (error) => console.log(`  ! page error: ${error.message}`));
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true');
    const roomName = await page.locator(`#room-${options.room} strong`).innerText();
    const roomAges = await page.locator(`#room-${options.room} span`).innerText();
    step(`The child picks the room "${roomName} (${roomAges})" and presses ` +
      `"${await page.locator('#join').innerText()}"`);
    await page.locator(`#room-${options.room} input`).check();
    await page.locator('#join').click();

    // Follow the page until it lands in the room or on a refusal.
    let lastProgress = '';
    for (;;) {
      const section = await visibleSection(page);
      if (section === 'room' || section === 'refusal') {
        break;
      }
      const progress = await page.locator('#progress-text').innerText().catch(() => '');
      if (section === 'progress' && progress && progress !== lastProgress) {
        step(`The page says: "${progress}"`);
        lastProgress = progress;
      }
      await page.waitForTimeout(100);
    }
    const texts = dialogTexts(options.pinentryLog);
    if (texts.length > 0) {
      step("The PIN dialog showed the child (scripted-pinentry played the child's part):");
      for (const text of texts) {
        for (const line of text.split('\n')) {
          console.log(`      | ${line}`);
        }
      }
    }

    if ((await visibleSection(page)) === 'refusal') {
      const refusal = await page.locator('#refusal').getAttribute('data-refusal');
      const reason = await page.locator('#refusal').getAttribute('data-reason');
      const title = await page.locator('#refusal-title').innerText();
      const text = await page.locator('#refusal-text').innerText();
      outcome = `refused:${refusal}`;
      console.log(`\n== Outcome: NOT LET IN (${refusal}${reason ? `, because of ${reason}` : ''}). ` +
        'The page tells the child:');
      console.log(`     ${title}`);
      console.log(`     ${text}`);
      const shot = path.join(options.out, 'refusal.png');
      await page.screenshot({ path: shot });
      console.log(`   Screenshot: ${shot}`);
      if (options.expectText && text !== options.expectText) {
        failures.push(`the refusal reads "${text}", expected "${options.expectText}"`);
      }
    } else {
      outcome = 'accepted';
      await page.locator('#members li.you').waitFor();
      const members = await page.locator('#members li').allInnerTexts();
      console.log(`\n== Outcome: LET IN. ${await page.locator('#welcome').innerText()}`);
      console.log(`   Room: ${await page.locator('#room-title').innerText()}`);
      console.log(`   Who is here: ${members.join('; ')}`);
      await page.waitForFunction(() => document.body.dataset.connected === 'true');

      // A second tab of the same member: a second WebSocket client in the room.
      const second = await context.newPage();
      second.setDefaultTimeout(STEP_TIMEOUT_MS);
      await second.goto(url);
      await second.waitForFunction(() => document.body.dataset.connected === 'true');
      await second.locator('#members li.you').waitFor();

      const hello = { nl: 'Hallo allemaal!', fr: 'Bonjour tout le monde !', de: 'Hallo zusammen!', en: 'Hello everyone!' }[options.lang] ?? 'Hello!';
      step(`The child writes "${hello}" and presses "${await page.locator('#send').innerText()}"`);
      await page.locator('#message-input').fill(hello);
      await page.locator('#send').click();
      const received = second.locator('#messages li.message .text', { hasText: hello });
      await received.waitFor();
      const from = await second.locator('#messages li.message .from').first().innerText();
      step(`A second WebSocket client (another tab) received it from "${from}"`);
      await page.locator('#messages li.message .text', { hasText: hello }).waitFor();
      await second.close();

      const shot = path.join(options.out, 'room.png');
      await page.screenshot({ path: shot });
      console.log(`   Screenshot: ${shot}`);
    }
  } finally {
    await context.close();
  }
  if (options.expect && outcome !== options.expect) {
    failures.push(`the outcome is ${outcome}, expected ${options.expect}`);
  }
  for (const failure of failures) {
    console.log(`FAILED: ${failure}`);
  }
  return failures.length === 0 ? 0 : 1;
}

try {
  process.exitCode = await run(parseArguments(process.argv.slice(2)));
} catch (error) {
  console.error(`join.mjs: ${error.message}`);
  process.exitCode = 2;
}
