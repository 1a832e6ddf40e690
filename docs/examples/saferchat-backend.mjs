// SPDX-License-Identifier: Apache-2.0
// A chat provider's Node.js backend (Node 18 or later, no packages) asking saferchatd whether
// a child may enter a room. docs/integration.md §5 explains it; tests run it for real.
const SAFERCHATD = process.env.SAFERCHATD_URL ?? 'http://127.0.0.1:8470';
// Your chat site's origin, exactly as browsers write it (scheme, host, port if not 443).
const ORIGIN = process.env.CHAT_ORIGIN ?? 'https://chat.example';

// POSTs JSON to saferchatd and returns its JSON answer; throws for anything but 200.
async function saferchatd(path, body) {
  const response = await fetch(new URL(path, SAFERCHATD), {
    method: 'POST',
    headers: {'Content-Type': 'application/json'},
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await response.json();
  if (response.status !== 200) {
    // 400, 413, 415: this backend sent a bad request (answer.error.message says what).
    // 503 STORE_UNAVAILABLE: saferchatd's nonce store is down; ask the child to try later.
    const error = new Error(`saferchatd ${response.status} ${answer.error.code}: ${answer.error.message}`);
    error.status = response.status;
    error.code = answer.error.code;
    throw error;
  }
  return answer;
}

// Step 1: the page asks to enter. Get a one-time challenge bound to the visitor's session and
// give it to the page, which hands it to the Safer Chat extension.
export async function newChallenge(sessionId) {
  const {challengeNonce} = await saferchatd('/v1/challenge', {session: sessionId});
  return challengeNonce;
}

// What the page tells the child for each verdict category.
export const MESSAGES = {
  try_again: 'Something went wrong on the way. Please try once more.',
  too_young: 'This room is for older children.',
  too_old: 'This room is for younger children.',
  age_unknown: 'Your card does not show your full birth date, so we cannot check your age.',
  card_expired: 'Your card is out of date. Ask your parents about a new one.',
  card_revoked: 'This card has been cancelled. Ask your parents about a new one.',
  not_a_belgian_card: 'This card is not a Belgian identity card we can accept.',
  card_problem: 'Your card gave an answer we cannot use. Ask your parents for help.',
  software_problem: 'Something is wrong with the card software or this website. Please tell us.',
};

// Step 2: the page sends back the token. Ask for a verdict and decide.
export async function enterRoom({sessionId, challengeNonce, token, room}) {
  const result = await saferchatd('/v1/verify', {
    token, challengeNonce, origin: ORIGIN, session: sessionId, room,
  });
  if (result.verdict === 'accepted') {
    // Let the child in. The pseudonym is the same on every visit: use it as the child's id.
    const {givenNames, age, pseudonym} = result.holder;
    return {admitted: true, name: givenNames, age, pseudonym};
  }
  // Refused: keep the child out. The nonce is used up: another try starts again at step 1.
  return {
    admitted: false,
    reason: result.reason,
    say: MESSAGES[result.category] ?? MESSAGES.software_problem,
  };
}
