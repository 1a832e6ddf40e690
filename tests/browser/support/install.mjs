// SPDX-License-Identifier: Apache-2.0
// Installs and removes the native host for a test browser with the project's installer
// (installer/saferchat-install, per user): $HOME is the test's own folder, so nothing outside
// the test changes.
import { execFileSync } from 'node:child_process';

function run(installer, args, home) {
  const env = { ...process.env, HOME: home };
  delete env.XDG_CONFIG_HOME; // the per-user folders then follow HOME
  delete env.CHROME_CONFIG_HOME;
  execFileSync(installer, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
}

function browserArgs(browser, chromiumUserDataDir) {
  const args = ['--browser', browser];
  if (browser !== 'firefox') {
    // Chromium started with --user-data-dir reads only DIR/NativeMessagingHosts.
    args.push('--chromium-user-data-dir', chromiumUserDataDir);
  }
  return args;
}

export function installHost(installer, { host, home, browser, chromiumUserDataDir }) {
  run(installer, ['install', '--user', '--host-binary', host, ...browserArgs(browser, chromiumUserDataDir)], home);
}

export function uninstallHost(installer, { home, browser, chromiumUserDataDir }) {
  run(installer, ['uninstall', '--user', ...browserArgs(browser, chromiumUserDataDir)], home);
}
