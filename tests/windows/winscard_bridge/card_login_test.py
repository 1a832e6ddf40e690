#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A login on the Windows host under Wine, end to end: card, PIN dialog, token.

saferchat-host.exe runs under Wine as a browser starts it (native messaging frames on its
standard input and output, an allowed extension's origin, Chrome's --parent-window), beside the
real saferchat-pinentry.exe and the TEST-ONLY winscard.dll of this folder, which Wine loads
instead of its own (WINEDLLOVERRIDES=winscard=n) and which forwards every PC/SC call to
saferchat-winscard-bridge, which makes it against a private pcscd with the virtual TEST card
kid-9 (saferchat-pcsc-env). The dialog is read back through pinentry_probe.exe and typed into
with xdotool on a private X server (tests/windows/pinentry/pinentry_dialog_test.py has the
helpers); the token is checked by the Linux verifier, saferchat-verify, with the TEST trust
anchors. One pcscd, one bridge, one X server and one Wine prefix serve every case (the PIN pad
reader's case adds its own pcscd and bridge); each case starts its own host (as a browser does
per connection).

Usage: card_login_test.py --host EXE --pinentry EXE --winscard DLL --probe EXE --objdump PROG
       --linux-build DIR --artifacts DIR
(--linux-build: the ci preset's build folder, with saferchat-pcsc-env, the virtual card,
saferchat-winscard-bridge, saferchat-verify and test-cards/.) Environment: WINEPREFIX.
"""
import argparse
import base64
import glob
import json
import os
import queue
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pinentry"))
import pinentry_dialog_test as dialog  # noqa: E402  (Xvfb, the probe, the host's texts)

ARGS = None
WAIT = dialog.WAIT
CALLER = "chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/"
ORIGIN = "https://chat.example"
# The host's Dutch texts (host/ui/dialog_text.cpp) for an unsealed login from ORIGIN: the
# dialog's own test (pinentry_dialog_test.py) sends its texts itself; here the host does.
TEXTS = {**dialog.TEXTS["nl"],
         "description": "De website chat.example wil weten of je een kind bent.\n"
         "Hij krijgt dan wat op je identiteitskaart staat: je naam, je geboortedatum en je "
         "rijksregisternummer.\n\n"
         "Vind je dat goed? Typ dan de pincode van je identiteitskaart.\n"
         "Je pincode blijft op deze computer. De website ziet hem nooit."}


def fresh_nonce():
    """A challenge as a verifier issues it: 32 random bytes, base64 (44 characters)."""
    return base64.b64encode(secrets.token_bytes(32)).decode()


def windows_path(path):
    """A Unix path as Wine's Z: drive sees it."""
    return "Z:" + path.replace("/", "\\")


class Host:
    """saferchat-host.exe under Wine with native messaging frames on its standard I/O."""

    def __init__(self, env, *arguments):
        with open(Stack.path("host.stderr"), "ab") as stderr:
            self.process = subprocess.Popen(["wine", Stack.host, *arguments], env=env,
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=stderr)
        self.messages = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            header = self.process.stdout.read(4)
            if len(header) < 4:
                break
            (length,) = struct.unpack("<I", header)
            self.messages.put(json.loads(self.process.stdout.read(length).decode("utf-8")))
        self.messages.put(None)

    def send(self, message):
        data = json.dumps(message).encode("utf-8")
        self.process.stdin.write(struct.pack("<I", len(data)) + data)
        self.process.stdin.flush()

    def receive(self, timeout=WAIT * 2):
        return self.messages.get(timeout=timeout)

    def finish(self):
        """Closes its input, as the browser does: the host ends with status 0."""
        self.process.stdin.close()
        status = self.process.wait(timeout=WAIT)
        self.reader.join(timeout=5)
        self.process.stdout.close()
        return status

    def kill(self):
        """Ends the host after a failed case: its input closed first, as the browser does, so
        that it closes its dialog; killed after 5 s. (A host killed under Wine can leave its
        dialog running: Wine does not always end a killed process's job.)"""
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        for pipe in [self.process.stdin, self.process.stdout]:
            if not pipe.closed:
                pipe.close()


class Stack:
    """The private pcscd with kid-9, the bridge, Xvfb and the probe, for every case."""
    dir = None
    host = None
    env = None
    card_control = None
    bridge = None
    bridge_port = None
    pcsc = None
    xvfb = None
    probe = None

    @classmethod
    def path(cls, name):
        return os.path.join(cls.dir, name)


def linux(*parts):
    return os.path.join(ARGS.linux_build, *parts)


def card_status():
    """The virtual card's own account (tries left, PIN verified), from its control socket."""
    result = subprocess.run(
        [linux("virtual-card", "saferchat-virtual-card"), "--control", Stack.card_control,
         "--send", "status"], stdout=subprocess.PIPE, text=True, timeout=WAIT, check=True)
    return dict(item.split("=", 1) for item in result.stdout.split() if "=" in item)


def card_control(line):
    return subprocess.run(
        [linux("virtual-card", "saferchat-virtual-card"), "--control", Stack.card_control,
         "--send", line], stdout=subprocess.PIPE, text=True, timeout=WAIT).stdout.strip()


def profile():
    with open(os.path.join(ARGS.linux_build, "test-cards", "cards", "kid-9", "profile.json")) as f:
        return json.load(f)


def start_card_stack(log, *options):
    """A private pcscd with the virtual card kid-9 (its vpcd port only in its own namespace) and
    a bridge to it on a free loopback port, serving until its input closes: (pcsc-env, its
    names, bridge, port)."""
    # Their standard error goes to a file, never to ctest's pipe: a process left behind by a
    # test that was killed would hold that pipe open, and ctest would wait for it forever.
    with open(Stack.path(log + ".stderr"), "ab") as stderr:
        pcsc = subprocess.Popen(
            [linux("tools", "pcsc-env", "saferchat-pcsc-env"), "--profile",
             linux("test-cards", "cards", "kid-9"), *options], stdout=subprocess.PIPE,
            stderr=stderr, text=True)
        names = {}
        for line in pcsc.stdout:
            if line.strip() == "ready":
                break
            name, _, value = line.strip().partition("=")
            names[name] = value
        else:
            raise RuntimeError("saferchat-pcsc-env did not start")
        bridge = subprocess.Popen(
            [linux("tests", "tools", "saferchat-winscard-bridge"), "--port", "0", "--log",
             Stack.path(log)],
            env={**os.environ, "PCSCLITE_CSOCK_NAME": names["PCSCLITE_CSOCK_NAME"]},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr, text=True)
    match = re.fullmatch(r"port (\d+)\n", bridge.stdout.readline())
    if not match:
        raise RuntimeError("the bridge did not start")
    return pcsc, names, bridge, match.group(1)


def stop_card_stack(pcsc, bridge):
    bridge.stdin.close()
    bridge.wait(timeout=WAIT)
    bridge.stdout.close()
    pcsc.terminate()
    pcsc.wait(timeout=WAIT)
    pcsc.stdout.close()


def control_line(socket_path, line):
    """One line to a control socket (the virtual card's, the PIN pad's keypad), its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control:
        control.settimeout(WAIT)
        control.connect(socket_path)
        control.sendall(line.encode() + b"\n")
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = control.recv(256)
            if not chunk:
                break
            answer += chunk
    return answer.decode().strip()


def setUpModule():
    for tool in ["Xvfb", "xdotool", "import", "wine", "wineserver"]:
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is missing: run scripts/bootstrap.sh")
    if not os.path.isdir(linux("test-cards", "cards", "kid-9")):
        raise RuntimeError("no TEST cards: build the ci preset and run its tests first "
                           "(ctest --test-dir build/ci -R test_cards)")
    os.makedirs(ARGS.artifacts, exist_ok=True)
    Stack.dir = tempfile.mkdtemp(prefix="saferchat-card-login-")
    # An installation's folder: the host, its dialog and (for this test only) winscard.dll.
    folder = Stack.path("Safer Chat")
    os.mkdir(folder)
    for program in [ARGS.host, ARGS.pinentry, ARGS.winscard]:
        shutil.copy(program, folder)
    Stack.host = os.path.join(folder, os.path.basename(ARGS.host))
    Stack.pcsc, names, Stack.bridge, Stack.bridge_port = start_card_stack("bridge.log")
    Stack.card_control = names["SAFERCHAT_CARD_CONTROL"]
    # Wine's desktop process draws on the display of the first program that needs it.
    subprocess.run(["wineserver", "-w"], timeout=WAIT * 2, check=False)
    Stack.xvfb = dialog.Xvfb()
    dialog.Dialogs.display = Stack.xvfb.display
    dialog.ARGS = argparse.Namespace(probe=ARGS.probe)
    subprocess.run(["wine", ARGS.probe], env=dialog.environment(), stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=WAIT * 2,
                   check=True)
    Stack.probe = dialog.Probe()
    Stack.env = {**dialog.environment(),
                 "WINEDEBUG": "-all",
                 "WINEDLLOVERRIDES": "winscard=n",
                 "SAFERCHAT_WINSCARD_BRIDGE_PORT": Stack.bridge_port,
                 "SAFERCHAT_LOG_FILE": windows_path(Stack.path("host.log")),
                 "SAFERCHAT_LOG_LEVEL": "debug"}
    for name in ["PCSCLITE_CSOCK_NAME", "SAFERCHAT_PINENTRY", "LANG", "LC_ALL", "LC_MESSAGES"]:
        Stack.env.pop(name, None)


def tearDownModule():
    """Stops everything setUpModule started, whatever failed: a Windows program still running
    (a dialog a failed case left) is ended with the prefix's Wine server."""
    try:
        if Stack.probe:
            Stack.probe.close()
        dialog.end_wine_programs()
    finally:
        if Stack.xvfb:
            Stack.xvfb.stop()
        if Stack.bridge:
            stop_card_stack(Stack.pcsc, Stack.bridge)
        for log in glob.glob(Stack.path("*.log")) + glob.glob(Stack.path("*.stderr")):
            shutil.copy(log, ARGS.artifacts)
        shutil.rmtree(Stack.dir, ignore_errors=True)


class CardLogin(unittest.TestCase):
    # Helpers ----------------------------------------------------------------------------------

    def start_host(self):
        """The host as Chrome starts it: the extension's origin and the browser's window."""
        owner = int(Stack.probe.ask("owner")[0])
        host = Host(Stack.env, CALLER, f"--parent-window={owner}")
        self.addCleanup(host.kill)
        ready = host.receive()
        self.assertEqual(ready["event"], "ready", ready)
        return host, owner

    def authenticate(self, host, nonce):
        host.send({"command": "authenticate", "id": 1,
                   "arguments": {"challengeNonce": nonce, "origin": ORIGIN, "lang": "nl"}})

    def dialog(self, done=lambda d: True):
        """The PIN dialog as the probe reads it, once done(dialog) holds."""
        def dump():
            lines = Stack.probe.ask("dump " + dialog.TITLE)
            if not lines or not lines[0].startswith("window\t"):
                return None
            _, hwnd, owner, foreground, _, _, title = lines[0].split("\t", 6)
            controls = {}
            for line in lines[1:]:
                _, ident, _, visible, _, _, _, text = line.split("\t", 7)
                controls[int(ident)] = {"visible": visible == "1",
                                        "text": dialog.unescape_probe(text)}
            return {"hwnd": int(hwnd), "owner": int(owner), "foreground": foreground == "1",
                    "title": dialog.unescape_probe(title), "controls": controls}
        found = dialog.Dialogs.until(dump, lambda d: d is not None and done(d))
        self.assertIsNotNone(found, "no PIN dialog")
        self.assertTrue(done(found), found)
        return found

    def assert_texts(self, found, owner, error=""):
        controls = found["controls"]
        self.assertEqual(found["title"], dialog.TITLE)
        self.assertEqual(controls[dialog.ID_DESCRIPTION]["text"], TEXTS["description"])
        self.assertEqual(controls[dialog.ID_PROMPT]["text"], TEXTS["prompt"])
        self.assertEqual(controls[dialog.ID_OK]["text"], TEXTS["ok"])
        self.assertEqual(controls[dialog.ID_CANCEL]["text"], TEXTS["cancel"])
        self.assertEqual(controls[dialog.ID_SHOW_PIN]["text"], TEXTS["show"])
        self.assertEqual(controls[dialog.ID_ERROR]["text"], error)
        self.assertEqual(controls[dialog.ID_ERROR]["visible"], bool(error))
        self.assertEqual(found["owner"], owner)  # --parent-window reached the dialog

    def focus(self):
        self.assertTrue(dialog.focus_window(dialog.TITLE), "dialog not focused")

    def type(self, text):
        dialog.x11("xdotool", "type", "--delay", "80", text)

    def keys(self, *keys):
        dialog.x11("xdotool", "key", "--delay", "80", *keys)

    def screenshot(self, name):
        dialog.x11("import", "-window", "root", os.path.join(ARGS.artifacts, name + ".png"))

    def verify(self, token, origin, nonce):
        """saferchat-verify with the TEST trust anchors: (exit status, verdict)."""
        path = Stack.path("token.json")
        with open(path, "w") as f:
            json.dump(token, f)
        pki = linux("test-cards", "pki")
        result = subprocess.run(
            [linux("server", "saferchat-verify"), "--origin", origin, "--nonce", nonce,
             "--token", path, "--allowed-origin", ORIGIN,
             "--trust-anchors", os.path.join(pki, "trust-anchors.pem"),
             "--intermediates", os.path.join(pki, "citizen-ca-p384.pem"),
             "--min-age", "6", "--max-age", "12"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=WAIT)
        return result.returncode, json.loads(result.stdout) if result.stdout else result.stderr

    # Tests (in name order: a good login, then a wrong PIN, then the card pulled out) ----------

    def test_0_wine_loads_the_test_winscard(self):
        """The DLL exports what the host imports, and the card is seen through it only."""
        imports = subprocess.run([ARGS.objdump, "-p", ARGS.host], stdout=subprocess.PIPE,
                                 text=True, check=True).stdout
        block = re.search(r"DLL Name: WinSCard\.dll\n.*?\n((?:\s+\w+\s+\d+\s+\w+\n)+)",
                          imports, re.IGNORECASE)
        self.assertIsNotNone(block)
        imported = sorted(line.split()[-1] for line in block.group(1).splitlines())
        exports = subprocess.run([ARGS.objdump, "-p", ARGS.winscard], stdout=subprocess.PIPE,
                                 text=True, check=True).stdout
        table = exports.split("[Ordinal/Name Pointer] Table\n", 1)[1].split("\n\n", 1)[0]
        exported = sorted(re.findall(r"\]\s+(\w+)$", table, re.MULTILINE))
        self.assertEqual(imported, exported)
        self.assertIn("SCardTransmit", imported)

        def self_check(override):
            env = {**Stack.env, "WINEDLLOVERRIDES": f"winscard={override}"}
            return subprocess.run(["wine", Stack.host, "--self-check"], env=env,
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, timeout=WAIT * 2).stdout.decode()
        ours = self_check("n")
        self.assertIn('reader "Safer Chat Virtual Reader 00 00": card present', ours)
        self.assertIn("applet 1.8, authentication signature ES384", ours)
        self.assertIn("PIN tries:   3 left", ours)
        self.assertIn("CN=Lotte Testkind (Authentication)", ours)
        # Wine's own winscard.dll cannot reach pcscd: no card without ours.
        builtin = self_check("b")
        self.assertNotIn("card present", builtin)
        self.assertIn("PC/SC:", builtin)

    def test_1_login_gives_a_token_the_verifier_accepts(self):
        pin = profile()["pin"]
        nonce = fresh_nonce()
        host, owner = self.start_host()
        self.authenticate(host, nonce)
        found = self.dialog()
        self.assert_texts(found, owner)
        self.assertTrue(found["foreground"])
        self.screenshot("card-login-pin-dialog")
        self.focus()
        self.type(pin)
        self.keys("Return")
        reply = host.receive()
        self.assertEqual(reply.get("id"), 1, reply)
        self.assertIn("result", reply, reply)
        token = reply["result"]
        self.assertEqual(token["format"], "web-eid:1.0")
        self.assertEqual(token["algorithm"], "ES384")
        # The chat provider's check: chain to the TEST roots, signature over the origin and
        # this challenge, age 9.
        self.assertEqual(self.verify(token, ORIGIN, nonce),
                         (0, {"holder": {"age": 9}, "verdict": "accepted"}))
        status, verdict = self.verify(token, "https://evil.example", nonce)
        self.assertEqual((status, verdict["verdict"]), (1, "rejected"), verdict)
        status, verdict = self.verify(token, ORIGIN, fresh_nonce())
        self.assertEqual((status, verdict["verdict"]), (1, "rejected"), verdict)
        self.assertEqual(host.finish(), 0)
        # The card: the PIN's tries are full and its verified state was logged off.
        status = card_status()
        self.assertEqual((status["pin_tries_left"], status["pin_verified"]), ("3", "no"))
        with open(Stack.path("host.log"), encoding="utf-8", errors="replace") as log:
            self.assertNotIn(pin + " ", log.read())
        # Every card call went through the bridge, from the host's process.
        with open(Stack.path("bridge.log")) as log:
            calls = log.read()
        for call in ["hello (process)", "SCardConnect -> SCARD_S_SUCCESS",
                     "SCardTransmit -> SCARD_S_SUCCESS", "SCardEndTransaction"]:
            self.assertIn(call, calls)

    def test_2_wrong_pin_then_stop(self):
        host, owner = self.start_host()
        self.authenticate(host, fresh_nonce())
        self.assert_texts(self.dialog(), owner)
        self.focus()
        self.type("9999")
        self.keys("Return")
        # The card said 63C2: the dialog comes again with the tries left, in red.
        found = self.dialog(lambda d: d["controls"][dialog.ID_ERROR]["text"] != "")
        self.assert_texts(found, owner, error=TEXTS["error"])
        self.assertEqual(card_status()["pin_tries_left"], "2")
        self.screenshot("card-login-wrong-pin")
        # Stop: from the field, Tab to the check box, OK, Stop, then Space.
        self.focus()
        self.keys("Tab", "Tab", "Tab", "space")
        reply = host.receive()
        self.assertEqual(reply, {"id": 1, "command": "authenticate",
                                 "error": {"code": "ERR_SAFERCHAT_USER_CANCELLED", "message": "The user cancelled."}})
        self.assertEqual(Stack.probe.ask("gone " + dialog.TITLE), ["gone"])
        self.assertEqual(card_status()["pin_tries_left"], "2")  # Stop uses no try
        self.assertEqual(host.finish(), 0)

    def test_3_card_pulled_out_while_the_dialog_is_open(self):
        host, _ = self.start_host()
        self.authenticate(host, fresh_nonce())
        self.dialog()
        self.assertEqual(card_control("remove"), "ok removed")
        self.addCleanup(card_control, "insert")
        reply = host.receive()
        self.assertEqual(reply, {"id": 1, "command": "authenticate",
                                 "error": {"code": "ERR_SAFERCHAT_CARD_REMOVED", "message": "The card was removed."}})
        self.assertEqual(Stack.probe.ask("gone " + dialog.TITLE), ["gone"])
        self.assertEqual(host.finish(), 0)

    def test_4_pin_pad_reader(self):
        """A PIN pad reader: Windows' SCARD_CTL_CODE(3400) reaches the reader as pcsc-lite's,
        its FEATURE_VERIFY_PIN_DIRECT code comes back and the PIN is typed on its keypad."""
        pcsc, names, bridge, port = start_card_stack("pinpad-bridge.log", "--pinpad")
        self.addCleanup(stop_card_stack, pcsc, bridge)
        keypad = names["SAFERCHAT_KEYPAD_CONTROL"]
        nonce = fresh_nonce()
        owner = int(Stack.probe.ask("owner")[0])
        host = Host({**Stack.env, "SAFERCHAT_WINSCARD_BRIDGE_PORT": port}, CALLER,
                    f"--parent-window={owner}")
        self.addCleanup(host.kill)
        self.assertEqual(host.receive()["event"], "ready")
        self.authenticate(host, nonce)
        # No PIN field: the dialog only says to type the PIN on the reader.
        found = self.dialog()
        self.assertIn("Typ dan je pincode op de kaartlezer.",
                      found["controls"][dialog.ID_DESCRIPTION]["text"])
        self.assertFalse(found["controls"][dialog.ID_PIN]["visible"])
        self.assertTrue(control_line(keypad, "pin " + profile()["pin"]).startswith("ok queued="))
        reply = host.receive()
        self.assertIn("result", reply, reply)
        self.assertEqual(self.verify(reply["result"], ORIGIN, nonce),
                         (0, {"holder": {"age": 9}, "verdict": "accepted"}))
        status = control_line(keypad, "status")
        self.assertIn(" entries=1 ", status)
        self.assertTrue(status.endswith(" last=sw 9000"), status)
        self.assertEqual(host.finish(), 0)
        with open(Stack.path("pinpad-bridge.log")) as log:
            self.assertIn("SCardControl -> SCARD_S_SUCCESS", log.read())

    def test_5_bridge_refuses_bad_messages(self):
        """Bad messages close their connection and nothing else; a wrong version is refused."""
        port = int(Stack.bridge_port)

        def frame(payload):
            return struct.pack("<I", len(payload)) + payload

        def closed_after(data, replies=b""):
            """True when the bridge answers `replies` (to a good hello) and then closes."""
            received = b""
            with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
                connection.sendall(data)
                try:
                    while chunk := connection.recv(64):
                        received += chunk
                except ConnectionResetError:  # closed with our bytes still unread
                    pass
            return received == replies

        hello = bytes([1]) + struct.pack("<IIB", 1, 4242, 0)
        establish = bytes([2]) + struct.pack("<I", 0)  # SCARD_SCOPE_USER
        self.assertTrue(closed_after(frame(establish)))  # no hello first
        self.assertTrue(closed_after(struct.pack("<I", 0)))  # an empty message
        self.assertTrue(closed_after(struct.pack("<I", 128 * 1024 + 1) + b"x" * 64))  # too long
        good_hello = frame(struct.pack("<I", 0))
        for bad in [frame(bytes([2])),  # a field missing
                    frame(establish + b"\0"),  # a byte too many
                    frame(bytes([99]))]:  # no such operation
            self.assertTrue(closed_after(frame(hello) + bad, good_hello), bad)
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
            connection.sendall(frame(bytes([1]) + struct.pack("<IIB", 2, 4242, 0)))
            # SCARD_E_INVALID_VALUE for another version of the protocol.
            self.assertEqual(connection.recv(16), frame(struct.pack("<I", 0x80100011)))
        # The bridge still serves: a context made and released through pcscd.
        with socket.create_connection(("127.0.0.1", port), timeout=WAIT) as connection:
            connection.sendall(frame(hello) + frame(establish))
            self.assertEqual(connection.recv(8), frame(struct.pack("<I", 0)))
            reply = connection.recv(16)
            self.assertEqual(reply[:8], struct.pack("<II", 12, 0))
            connection.sendall(frame(bytes([3]) + reply[8:16]))
            self.assertEqual(connection.recv(16), frame(struct.pack("<I", 0)))
        with open(Stack.path("bridge.log")) as log:
            calls = log.read()
        self.assertEqual(calls.count("bad message, connection closed"), 6)
        # Only the last connection made a context: a bad message makes no call.
        self.assertEqual(calls.count("pid 4242 SCardEstablishContext"), 1)

    def test_6_logins_go_on_after_pcscd_restarted(self):
        """A new pcscd under a running host (as Windows' service restarting): the host's kept
        context, connection and card watcher belong to the old one; the next login works."""
        pcsc, names, bridge, port = start_card_stack("restart-bridge.log")
        self.addCleanup(stop_card_stack, pcsc, bridge)
        pin = profile()["pin"]

        def watchers_stopped():
            with open(Stack.path("host.log"), encoding="utf-8", errors="replace") as log:
                return log.read().count("card watcher stopped")
        owner = int(Stack.probe.ask("owner")[0])
        host = Host({**Stack.env, "SAFERCHAT_WINSCARD_BRIDGE_PORT": port}, CALLER,
                    f"--parent-window={owner}")
        self.addCleanup(host.kill)
        self.assertEqual(host.receive()["event"], "ready")
        for attempt in range(2):
            nonce = fresh_nonce()
            host.send({"command": "authenticate", "id": attempt + 1,
                       "arguments": {"challengeNonce": nonce, "origin": ORIGIN, "lang": "nl"}})
            self.dialog()
            self.focus()
            self.type(pin)
            self.keys("Return")
            reply = host.receive()
            self.assertIn("result", reply, reply)
            self.assertEqual(self.verify(reply["result"], ORIGIN, nonce)[0], 0)
            if attempt == 0:
                self.assertEqual(Stack.probe.ask("gone " + dialog.TITLE), ["gone"])
                stopped = watchers_stopped()
                pcsc.send_signal(signal.SIGUSR1)
                # The old pcscd is gone once the host's card watcher has lost it; then the card
                # is back in the new one's reader.
                self.assertGreater(dialog.Dialogs.until(watchers_stopped,
                                                        lambda n: n > stopped), stopped)
                status = dialog.Dialogs.until(
                    lambda: control_line(names["SAFERCHAT_CARD_CONTROL"], "status"),
                    lambda line: " connected=yes " in line)
                self.assertIn(" connected=yes ", status)
        self.assertEqual(host.finish(), 0)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    for option in ["host", "pinentry", "winscard", "probe", "objdump", "linux_build",
                   "artifacts"]:
        parser.add_argument("--" + option.replace("_", "-"), required=True)
    ARGS, rest = parser.parse_known_args()
    started = time.monotonic()
    program = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    print(f"card login tests took {time.monotonic() - started:.1f} s", file=sys.stderr)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
