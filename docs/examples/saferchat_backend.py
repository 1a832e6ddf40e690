# SPDX-License-Identifier: Apache-2.0
"""A chat provider's Python backend (Python 3.8 or later, standard library only) asking
saferchatd whether a child may enter a room. docs/integration.md §5 explains it; tests run it
for real."""
import json
import os
import urllib.error
import urllib.request

SAFERCHATD = os.environ.get("SAFERCHATD_URL", "http://127.0.0.1:8470")
# Your chat site's origin, exactly as browsers write it (scheme, host, port if not 443).
ORIGIN = os.environ.get("CHAT_ORIGIN", "https://chat.example")


class SaferchatdError(Exception):
    """saferchatd answered with an error: 400, 413, 415 (this backend sent a bad request) or
    503 STORE_UNAVAILABLE (its nonce store is down; ask the child to try later)."""

    def __init__(self, status, code, message):
        super().__init__(f"saferchatd {status} {code}: {message}")
        self.status = status
        self.code = code


def _saferchatd(path, body):
    request = urllib.request.Request(
        SAFERCHATD + path,
        data=json.dumps(body).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as failure:
        error = json.load(failure)["error"]
        raise SaferchatdError(failure.code, error["code"], error["message"]) from None


def new_challenge(session_id):
    """Step 1: the page asks to enter. Get a one-time challenge bound to the visitor's session
    and give it to the page, which hands it to the Safer Chat extension."""
    return _saferchatd("/v1/challenge", {"session": session_id})["challengeNonce"]


# What the page tells the child for each verdict category.
MESSAGES = {
    "try_again": "Something went wrong on the way. Please try once more.",
    "too_young": "This room is for older children.",
    "too_old": "This room is for younger children.",
    "age_unknown": "Your card does not show your full birth date, so we cannot check your age.",
    "card_expired": "Your card is out of date. Ask your parents about a new one.",
    "card_revoked": "This card has been cancelled. Ask your parents about a new one.",
    "not_a_belgian_card": "This card is not a Belgian identity card we can accept.",
    "card_problem": "Your card gave an answer we cannot use. Ask your parents for help.",
    "software_problem": "Something is wrong with the card software or this website. Please tell us.",
}


def enter_room(session_id, challenge_nonce, token, room):
    """Step 2: the page sends back the token. Ask for a verdict and decide."""
    result = _saferchatd("/v1/verify", {
        "token": token,
        "challengeNonce": challenge_nonce,
        "origin": ORIGIN,
        "session": session_id,
        "room": room,
    })
    if result["verdict"] == "accepted":
        # Let the child in. The pseudonym is the same on every visit: use it as the child's id.
        holder = result["holder"]
        return {"admitted": True, "name": holder["givenNames"], "age": holder["age"],
                "pseudonym": holder.get("pseudonym")}
    # Refused: keep the child out. The nonce is used up: another try starts again at step 1.
    return {"admitted": False, "reason": result["reason"],
            "say": MESSAGES.get(result["category"], MESSAGES["software_problem"])}
