// SPDX-License-Identifier: Apache-2.0
// A private PC/SC stack with a virtual card (tools/pcsc-env): started for a test file, its
// environment (PCSCLITE_CSOCK_NAME, SAFERCHAT_CARD_CONTROL) handed to the browser, and the
// card's control socket (virtual-card/README.md, "Control commands") for the tests.
import { spawn } from 'node:child_process';
import net from 'node:net';
import readline from 'node:readline';

export async function startPcscEnv(pcscEnvPath, profileDir, extraArgs = []) {
  const child = spawn(pcscEnvPath, ['--profile', profileDir, ...extraArgs], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const env = {};
  const lines = readline.createInterface({ input: child.stdout });
  await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`saferchat-pcsc-env exited with ${code}`)));
    lines.on('line', (line) => {
      const eq = line.indexOf('=');
      if (line === 'ready') {
        resolve();
      } else if (eq > 0) {
        env[line.slice(0, eq)] = line.slice(eq + 1);
      }
    });
  });
  return {
    env,
    control: env.SAFERCHAT_CARD_CONTROL,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

// Sends one control command line to the virtual card; resolves with its answer line.
export function cardControl(socketPath, command) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.write(command + '\n'));
    socket.on('data', (chunk) => {
      answer += chunk;
      if (answer.includes('\n')) {
        socket.end();
        resolve(answer.trim());
      }
    });
    socket.on('error', reject);
  });
}
