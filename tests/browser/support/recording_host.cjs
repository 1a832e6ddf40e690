#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// A recording stand-in for the host, for the browser tests of what the extension sends the
// host (the sealing cases): the real host (SAFERCHAT_TEST_REAL_HOST) runs behind it with the
// same arguments; every message passes through unchanged, and each is appended to
// SAFERCHAT_TEST_RECORD as one JSON line {"to": "host" | "browser", "message": …}. Both come
// from the browser's environment. Installed by the tests in place of the host. CommonJS: the
// installer copies it to a file without extension.
'use strict';

const fs = require('node:fs');
const { spawn } = require('node:child_process');

const record = (to, message) => fs.appendFileSync(process.env.SAFERCHAT_TEST_RECORD,
  JSON.stringify({ to, message }) + '\n');

const host = spawn(process.env.SAFERCHAT_TEST_REAL_HOST, process.argv.slice(2), {
  stdio: ['pipe', 'pipe', 'inherit'],
});
host.stdin.on('error', () => {}); // the host may exit first

// Frames: a 32-bit little-endian length, then that many bytes of JSON (docs/protocol.md §2).
function framesOf(onMessage) {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
      const length = pending.readUInt32LE(0);
      const frame = pending.subarray(0, 4 + length);
      pending = pending.subarray(4 + length);
      onMessage(frame, JSON.parse(frame.subarray(4).toString('utf8')));
    }
  };
}

process.stdin.on('data', framesOf((frame, message) => {
  record('host', message);
  host.stdin.write(frame);
}));
process.stdin.on('end', () => host.stdin.end());
host.stdout.on('data', framesOf((frame, message) => {
  record('browser', message);
  process.stdout.write(frame);
}));
host.on('exit', (code) => process.exit(code ?? 1));
