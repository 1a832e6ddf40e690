# SPDX-License-Identifier: Apache-2.0
"""Runs docs/examples/saferchat_backend.py against a live saferchatd (started by
examples_test.cpp), playing the page and the card with saferchat-test-token. Exits non-zero on
the first wrong answer. Environment: SAFERCHATD_URL, CHAT_ORIGIN, SAFERCHAT_EXAMPLES_DIR,
SAFERCHAT_TEST_TOKEN (the tool), SAFERCHAT_TEST_CARDS (the cards folder)."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.environ["SAFERCHAT_EXAMPLES_DIR"])
import saferchat_backend as backend  # noqa: E402

CARDS = os.environ["SAFERCHAT_TEST_CARDS"]
ORIGIN = os.environ["CHAT_ORIGIN"]


def token_from(card, challenge_nonce):
    """What the browser, extension, host and card would return for this challenge."""
    out = subprocess.run([os.environ["SAFERCHAT_TEST_TOKEN"], os.path.join(CARDS, card), ORIGIN,
                          challenge_nonce], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def holder_of(card):
    with open(os.path.join(CARDS, card, "profile.json"), encoding="utf-8") as profile:
        return json.load(profile)["holder"]


checks = 0

# A 9-year-old enters the 6-11 room.
nonce = backend.new_challenge("session-py-1")
assert re.fullmatch(r"[A-Za-z0-9+/]{43}=", nonce), nonce
token = token_from("kid-9", nonce)
entered = backend.enter_room("session-py-1", nonce, token, "kids")
assert entered["admitted"] is True, entered
assert entered["name"] == holder_of("kid-9")["given_names"], entered
assert entered["age"] == holder_of("kid-9")["age"], entered
assert re.fullmatch(r"[A-Za-z0-9_-]{43}", entered["pseudonym"]), entered
checks += 1

# The same token again: refused, "try again" (with a new challenge).
replayed = backend.enter_room("session-py-1", nonce, token, "kids")
assert replayed == {"admitted": False, "reason": "NONCE_REPLAYED",
                    "say": backend.MESSAGES["try_again"]}, replayed
checks += 1

# A 14-year-old at the door of the 6-11 room.
teen_nonce = backend.new_challenge("session-py-2")
teen = backend.enter_room("session-py-2", teen_nonce, token_from("teen-14", teen_nonce), "kids")
assert teen == {"admitted": False, "reason": "AGE_TOO_HIGH",
                "say": backend.MESSAGES["too_old"]}, teen
checks += 1

# A bug in the backend (a room saferchatd does not know) is an error, not a verdict.
lost_nonce = backend.new_challenge("session-py-3")
try:
    backend.enter_room("session-py-3", lost_nonce, token_from("kid-9", lost_nonce), "no-such-room")
    raise AssertionError("no SaferchatdError")
except backend.SaferchatdError as error:
    assert (error.status, error.code) == (400, "UNKNOWN_ROOM"), error
checks += 1

print(f"python example: {checks} checks passed")
