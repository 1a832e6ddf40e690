#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// A host that speaks native messaging protocol version 1 (one request per process), for the
// browser tests of the extension's fallback: the real host (SAFERCHAT_TEST_REAL_HOST, from the
// browser's environment) runs behind it with the same arguments, and this program passes every
// message through, changing only `protocolVersion` to 1 in the ready message (docs/protocol.md
// §4.1) and in the `version` reply (§3.1). Installed by the tests in place of the host.
// CommonJS: the installer copies it to a file without extension.
'use strict';

const { spawn } = require('node:child_process');

const host = spawn(process.env.SAFERCHAT_TEST_REAL_HOST, process.argv.slice(2), {
  stdio: ['pipe', 'pipe', 'inherit'],
});
process.stdin.pipe(host.stdin);
host.stdin.on('error', () => {}); // the host may exit first

// Frames: a 32-bit little-endian length, then that many bytes of JSON (§2).
let pending = Buffer.alloc(0);
host.stdout.on('data', (chunk) => {
  pending = Buffer.concat([pending, chunk]);
  while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32LE(0)) {
    const length = pending.readUInt32LE(0);
    const message = JSON.parse(pending.subarray(4, 4 + length).toString('utf8'));
    pending = pending.subarray(4 + length);
    if (message.event === 'ready') {
      message.protocolVersion = 1;
    } else if (message.result && typeof message.result.protocolVersion === 'number') {
      message.result.protocolVersion = 1;
    }
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    const header = Buffer.alloc(4);
    header.writeUInt32LE(body.length);
    process.stdout.write(Buffer.concat([header, body]));
  }
});
host.on('exit', (code) => process.exit(code ?? 1));
