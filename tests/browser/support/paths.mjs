// SPDX-License-Identifier: Apache-2.0
// Where the built programs are. ctest passes each path (tests/browser/CMakeLists.txt); by hand,
// SAFERCHAT_BUILD_DIR=build/<preset> is enough (tests/browser/README.md).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const sourceDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function setting(name, fromBuildDir) {
  const value = process.env[name];
  if (value) {
    return path.resolve(value);
  }
  const buildDir = process.env.SAFERCHAT_BUILD_DIR;
  if (!buildDir) {
    throw new Error(`set ${name} or SAFERCHAT_BUILD_DIR (tests/browser/README.md)`);
  }
  return path.resolve(buildDir, fromBuildDir);
}

export function buildPaths() {
  const paths = {
    host: setting('SAFERCHAT_HOST', 'host/saferchat-host'),
    pcscEnv: setting('SAFERCHAT_PCSC_ENV', 'tools/pcsc-env/saferchat-pcsc-env'),
    scriptedPinentry: setting('SAFERCHAT_SCRIPTED_PINENTRY', 'tests/tools/scripted-pinentry'),
    testCards: setting('SAFERCHAT_TEST_CARDS', 'test-cards'),
    extension: setting('SAFERCHAT_EXTENSION_DIR', 'extension'),
    installer: path.join(sourceDir, 'installer', 'saferchat-install'),
  };
  for (const [name, file] of Object.entries(paths)) {
    if (!fs.existsSync(file)) {
      throw new Error(`${name}: ${file} does not exist (build it first)`);
    }
  }
  return paths;
}
