// SPDX-License-Identifier: Apache-2.0
// Types of the plain-script Safer Chat page API (saferchat.js), which defines the global
// `SaferChat` with the same members as the ES module saferchat.mjs (see saferchat.d.mts).

declare const SaferChat: typeof import('./saferchat.mjs');

interface Window {
  SaferChat: typeof import('./saferchat.mjs');
}
