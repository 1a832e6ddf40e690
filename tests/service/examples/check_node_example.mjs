// SPDX-License-Identifier: Apache-2.0
// Runs docs/examples/saferchat-backend.mjs against a live saferchatd (started by
// examples_test.cpp), playing the page and the card with saferchat-test-token. Exits non-zero
// on the first wrong answer. Environment: SAFERCHATD_URL, CHAT_ORIGIN, SAFERCHAT_EXAMPLES_DIR,
// SAFERCHAT_TEST_TOKEN (the tool), SAFERCHAT_TEST_CARDS (the cards folder).
import assert from 'node:assert/strict';
import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import path from 'node:path';

const backend = await import(path.join(process.env.SAFERCHAT_EXAMPLES_DIR, 'saferchat-backend.mjs'));
const cards = process.env.SAFERCHAT_TEST_CARDS;
const origin = process.env.CHAT_ORIGIN;

// What the browser, extension, host and card would return for this challenge.
function tokenFrom(card, challengeNonce) {
  const out = execFileSync(process.env.SAFERCHAT_TEST_TOKEN,
                           [path.join(cards, card), origin, challengeNonce]);
  return JSON.parse(out);
}
const holderOf = (card) =>
  JSON.parse(readFileSync(path.join(cards, card, 'profile.json'), 'utf8')).holder;

let checks = 0;

// A 9-year-old enters the 6-11 room.
const nonce = await backend.newChallenge('session-node-1');
assert.match(nonce, /^[A-Za-z0-9+/]{43}=$/);
const token = tokenFrom('kid-9', nonce);
const entered = await backend.enterRoom(
    {sessionId: 'session-node-1', challengeNonce: nonce, token, room: 'kids'});
assert.equal(entered.admitted, true);
assert.equal(entered.name, holderOf('kid-9').given_names);
assert.equal(entered.age, holderOf('kid-9').age);
assert.match(entered.pseudonym, /^[A-Za-z0-9_-]{43}$/);
checks++;

// The same token again: refused, "try again" (with a new challenge).
const replayed = await backend.enterRoom(
    {sessionId: 'session-node-1', challengeNonce: nonce, token, room: 'kids'});
assert.deepEqual(replayed,
                 {admitted: false, reason: 'NONCE_REPLAYED', say: backend.MESSAGES.try_again});
checks++;

// A 14-year-old at the door of the 6-11 room.
const teenNonce = await backend.newChallenge('session-node-2');
const teen = await backend.enterRoom({sessionId: 'session-node-2', challengeNonce: teenNonce,
                                      token: tokenFrom('teen-14', teenNonce), room: 'kids'});
assert.deepEqual(teen, {admitted: false, reason: 'AGE_TOO_HIGH', say: backend.MESSAGES.too_old});
checks++;

// A bug in the backend (a room saferchatd does not know) is an error, not a verdict.
const lostNonce = await backend.newChallenge('session-node-3');
await assert.rejects(
    backend.enterRoom({sessionId: 'session-node-3', challengeNonce: lostNonce,
                       token: tokenFrom('kid-9', lostNonce), room: 'no-such-room'}),
    {status: 400, code: 'UNKNOWN_ROOM'});
checks++;

console.log(`node example: ${checks} checks passed`);
