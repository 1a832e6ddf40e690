#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""saferchat-pinentry.exe under Wine on a private X server (Xvfb).

Speaks Assuan to the dialog as the host's PinentryDialog does (host/transport/pinentry_dialog.cpp),
reads the dialog back through pinentry_probe.exe (its window and standard controls, as a screen
reader would), types with xdotool, and saves screenshots. There is no window manager on Xvfb: the
test gives the dialog's X window the keyboard focus itself (`xdotool windowfocus`), as a window
manager would; whether Windows brings the dialog to the front is checked through the probe
(GetForegroundWindow) and, for real, on a Windows PC (docs/windows.md).

Usage: pinentry_dialog_test.py --pinentry EXE --probe EXE --artifacts DIR
Environment: WINEPREFIX (a prefix made by wineboot), WINEDEBUG.
"""
import argparse
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
import unittest

ARGS = None
TITLE = "Safer Chat"
CANCELLED = "ERR 83886179 Operation cancelled <Pinentry>"
TIMEOUT = "ERR 83886142 Timeout <Pinentry>"
NBSP = "\u00a0"
# How long to wait for things that take a second or two under Wine on an idle machine; generous,
# because the test machine is shared. Nothing asserts that anything is fast.
WAIT = 60

# Texts of the kind the host sends (host/ui/dialog_text.cpp, pin_dialog_texts): nl, fr, de, en
# with accents and French no-break spaces. The dialog shows what it is sent, so these need not
# follow the host's current wording; they are an earlier version of it.
TEXTS = {
    "nl": {
        "description": "De website chat.example wil weten of je een kind bent.\n"
        "Hij ziet dan je naam en je leeftijd. Die leest hij van je identiteitskaart.\n\n"
        "Vind je dat goed? Typ dan de pincode van je identiteitskaart.\n"
        "Je pincode blijft op deze computer. De website ziet hem nooit.",
        "prompt": "Pincode:",
        "ok": "OK",
        "cancel": "Stoppen",
        "error": "Verkeerde pincode. Je mag nog 2 keer proberen.",
        "show": "Toon de pincode",
        "hide": "Verberg de pincode",
    },
    "fr": {
        "description": "Le site chat.example veut savoir si tu es un enfant.\n"
        "Il verra ton nom et ton âge, lus sur ta carte d'identité.\n\n"
        f"Tu es d'accord{NBSP}? Alors tape le code PIN de ta carte d'identité.\n"
        "Ton code PIN reste sur cet ordinateur. Le site ne le voit jamais.",
        "prompt": f"Code PIN{NBSP}:",
        "ok": "OK",
        "cancel": "Arrêter",
        "error": f"Code PIN incorrect. Attention{NBSP}! Tu ne peux plus essayer qu'une seule "
        "fois. Si c'est encore faux, ta carte sera bloquée.",
        "show": "Afficher le code PIN",
        "hide": "Masquer le code PIN",
    },
    "de": {
        "description": "Die Webseite chat.example möchte wissen, ob du ein Kind bist.\n"
        "Sie sieht dann deinen Namen und dein Alter. Die liest sie von deinem "
        "Personalausweis.\n\n"
        "Bist du einverstanden? Dann tippe den PIN-Code von deinem Personalausweis ein.\n"
        "Dein PIN-Code bleibt auf diesem Computer. Die Webseite sieht ihn nie.",
        "prompt": "PIN-Code:",
        "ok": "OK",
        "cancel": "Abbrechen",
        "error": "",
        "show": "PIN-Code anzeigen",
        "hide": "PIN-Code verbergen",
    },
    "en": {
        "description": "The website chat.example wants to know if you are a child.\n"
        "It will see your name and your age, read from your ID card.\n\n"
        "Is that OK? Then type the PIN code of your ID card.\n"
        "Your PIN code stays on this computer. The website never sees it.",
        "prompt": "PIN code:",
        "ok": "OK",
        "cancel": "Stop",
        "error": "Wrong PIN code. You can try 2 more times.",
        "show": "Show the PIN code",
        "hide": "Hide the PIN code",
    },
}

ID_DESCRIPTION, ID_ERROR, ID_PROMPT, ID_PIN, ID_SHOW_PIN, ID_OK, ID_CANCEL = (
    100, 101, 102, 103, 104, 1, 2)
ES_PASSWORD, ES_NUMBER = 0x20, 0x2000


def escape(text):
    """Assuan percent-escaping as the host does it (ui/assuan.cpp assuan_escape)."""
    # Bytes of multi-byte UTF-8 sequences are all above 0x7F: escaping by character is the same.
    return "".join("%%%02X" % ord(c) if ord(c) < 0x20 or c in "\x7f%" else c for c in text)


def unescape_probe(text):
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r", "t": "\t"}.get(m.group(1),
                                                                            m.group(1)), text)


class Xvfb:
    def __init__(self):
        read, write = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1024x768x24", "-nolisten", "tcp"],
            pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        number = b""
        with os.fdopen(read, "rb") as pipe:
            while not number.endswith(b"\n"):
                byte = pipe.read(1)
                if not byte:
                    raise RuntimeError("Xvfb did not start")
                number += byte
        self.display = ":" + number.decode().strip()

    def stop(self):
        self.process.terminate()
        self.process.wait()


def environment():
    env = dict(os.environ)
    env["DISPLAY"] = Dialogs.display
    env.setdefault("WINEDEBUG", "-all")
    return env


def x11(*command, check=True):
    return subprocess.run(list(command), env=environment(), check=check, timeout=WAIT,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def end_wine_programs():
    """Waits for the prefix's Windows programs to end; a program a failed case left running
    (a dialog) is ended with the Wine server instead of keeping the tests waiting."""
    try:
        subprocess.run(["wineserver", "-w"], timeout=WAIT, check=False)
    except subprocess.TimeoutExpired:
        print("Windows programs still running after the tests: ended (wineserver -k)",
              file=sys.stderr)
        subprocess.run(["wineserver", "-k"], timeout=WAIT, check=False)


def focus_window(title):
    """Gives the visible X window called `title` the keyboard; False if that fails for WAIT
    seconds. Tried until it works: right after a dialog closed and the next one opened, the
    search can still list the closed one's window, which then cannot take the focus."""
    def focused():
        windows = x11("xdotool", "search", "--sync", "--onlyvisible", "--name",
                      f"^{title}$").stdout.split()
        return bool(windows) and x11("xdotool", "windowfocus", "--sync", windows[-1],
                                     check=False).returncode == 0
    done = Dialogs.until(focused, lambda value: value)
    time.sleep(0.3)
    return done


class Wine:
    """A Windows program under Wine with piped standard input and output, read line by line."""

    def __init__(self, exe, *arguments):
        self.process = subprocess.Popen(["wine", exe, *arguments], env=environment(),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.process.stdout:
            self.lines.put(raw.decode("utf-8").rstrip("\n"))
        self.lines.put(None)

    def send(self, line):
        self.process.stdin.write(line.encode("utf-8") + b"\n")
        self.process.stdin.flush()

    def line(self, timeout=WAIT):
        return self.lines.get(timeout=timeout)

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not self.process.stdin.closed:
            self.process.stdin.close()
        self.reader.join(timeout=5)
        self.process.stdout.close()


class Pinentry(Wine):
    def __init__(self, *arguments):
        super().__init__(ARGS.pinentry, *arguments)
        assert self.line() == "OK Pleased to meet you"

    def reply(self, timeout=WAIT):
        """Lines up to and including the OK or ERR that ends a command."""
        lines = []
        while True:
            line = self.line(timeout)
            if line is None:
                raise AssertionError(f"output ended after {lines}")
            lines.append(line)
            if line == "OK" or line.startswith("OK ") or line.startswith("ERR "):
                return lines

    def command(self, verb, argument=None):
        self.send(verb if argument is None else f"{verb} {escape(argument)}")
        return self.reply()

    def ask(self, texts, timeout_seconds=WAIT * 2):
        """Everything the host sends before GETPIN; GETPIN is sent, its answer not read."""
        assert self.command("OPTION", "default-tt-visi=" + texts["show"]) == ["OK"]
        assert self.command("OPTION", "default-tt-hide=" + texts["hide"]) == ["OK"]
        for verb, key in [("SETTITLE", None), ("SETDESC", "description"),
                          ("SETPROMPT", "prompt"), ("SETOK", "ok"), ("SETCANCEL", "cancel")]:
            assert self.command(verb, TITLE if key is None else texts[key]) == ["OK"], verb
        if texts["error"]:
            assert self.command("SETERROR", texts["error"]) == ["OK"]
        assert self.command("SETTIMEOUT", str(timeout_seconds)) == ["OK"]
        self.send("GETPIN")


class Probe(Wine):
    def __init__(self):
        super().__init__(ARGS.probe)

    def ask(self, command):
        self.send(command)
        lines = []
        while True:
            line = self.line()
            assert line is not None, "the probe ended"
            if line == ".":
                return lines
            lines.append(line)

    def dump(self, title=TITLE):
        lines = self.ask("dump " + title)
        assert lines and lines[0].startswith("window\t"), f"no dialog: {lines}"
        _, hwnd, owner, foreground, dpi, width, title = lines[0].split("\t", 6)
        controls = {}
        for line in lines[1:]:
            _, ident, cls, visible, checked, password, style, text = line.split("\t", 7)
            controls[int(ident)] = {"class": cls, "visible": visible == "1", "checked": checked,
                                    "password": password, "style": int(style, 16),
                                    "text": unescape_probe(text)}
        return {"hwnd": int(hwnd), "owner": int(owner), "foreground": foreground == "1",
                "dpi": int(dpi), "width": int(width),
                "title": unescape_probe(title), "controls": controls}


class Dialogs(unittest.TestCase):
    display = None
    xvfb = None
    probe = None

    @classmethod
    def setUpClass(cls):
        os.makedirs(ARGS.artifacts, exist_ok=True)
        for tool in ["Xvfb", "xdotool", "import", "wine", "wineserver"]:
            if shutil.which(tool) is None:
                raise RuntimeError(f"{tool} is missing: run scripts/bootstrap.sh")
        # Wine's desktop process draws on the display of the first program that needs it: let
        # the prefix's earlier programs (started without a display) finish first.
        subprocess.run(["wineserver", "-w"], timeout=WAIT * 2, check=False)
        cls.xvfb = Xvfb()
        Dialogs.display = cls.xvfb.display
        try:
            cls.start_wine()
        except Exception:
            cls.xvfb.stop()
            raise

    @classmethod
    def start_wine(cls):
        # The first program of a prefix starts Wine's server and services, which keep its
        # standard handles open: start them with none of our pipes.
        subprocess.run(["wine", ARGS.probe], env=environment(), stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=WAIT * 2,
                       check=True)
        cls.probe = Probe()

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.probe:
                cls.probe.close()
            end_wine_programs()
        finally:
            if cls.xvfb:
                cls.xvfb.stop()

    # Helpers ----------------------------------------------------------------------------------

    def focus_dialog(self, title=TITLE):
        """Gives the dialog's X window the keyboard, as a window manager would."""
        self.assertTrue(focus_window(title), f"{title}: not focused")

    @staticmethod
    def until(get, done, seconds=WAIT):
        """get() until done(value) holds or `seconds` pass; the last value."""
        deadline = time.monotonic() + seconds
        while True:
            value = get()
            if done(value) or time.monotonic() >= deadline:
                return value
            time.sleep(0.2)

    def keys(self, *keys):
        x11("xdotool", "key", "--delay", "80", *keys)

    def type(self, text):
        x11("xdotool", "type", "--delay", "80", text)

    def screenshot(self, name):
        path = os.path.join(ARGS.artifacts, name + ".png")
        x11("import", "-window", "root", path)
        self.assertGreater(os.path.getsize(path), 0)

    def assert_gone(self):
        self.assertEqual(self.probe.ask("gone " + TITLE), ["gone"])

    def assert_pin_dialog(self, dialog, texts):
        controls = dialog["controls"]
        self.assertEqual(dialog["title"], TITLE)
        self.assertEqual(controls[ID_DESCRIPTION]["text"], texts["description"])
        self.assertEqual(controls[ID_DESCRIPTION]["class"].lower(), "static")
        self.assertEqual(controls[ID_PROMPT]["text"], texts["prompt"])
        self.assertTrue(controls[ID_PROMPT]["visible"])
        self.assertEqual(controls[ID_ERROR]["text"], texts["error"])
        self.assertEqual(controls[ID_ERROR]["visible"], bool(texts["error"]))
        self.assertEqual(controls[ID_SHOW_PIN]["text"], texts["show"])
        self.assertEqual(controls[ID_OK]["text"], texts["ok"])
        self.assertEqual(controls[ID_CANCEL]["text"], texts["cancel"])
        self.assertTrue(controls[ID_CANCEL]["visible"])
        pin = controls[ID_PIN]
        self.assertEqual(pin["class"].lower(), "edit")
        self.assertTrue(pin["visible"])
        self.assertTrue(pin["style"] & ES_PASSWORD and pin["style"] & ES_NUMBER)
        self.assertNotEqual(pin["password"], "0")
        # The creation order is the tab order and what a screen reader reads: the label right
        # before the field names it.
        self.assertEqual(list(controls), [ID_DESCRIPTION, ID_ERROR, ID_PROMPT, ID_PIN,
                                          ID_SHOW_PIN, ID_OK, ID_CANCEL])
        self.assertTrue(dialog["foreground"], "the dialog is not the foreground window")

    # Tests ------------------------------------------------------------------------------------

    def test_executable(self):
        """A GUI program with its manifest (common controls v6, per-monitor DPI), no DLLs of
        the compiler's runtime."""
        with open(ARGS.pinentry, "rb") as exe:
            data = exe.read()
        pe = int.from_bytes(data[0x3C:0x40], "little")
        self.assertEqual(data[pe:pe + 4], b"PE\0\0")
        subsystem = int.from_bytes(data[pe + 24 + 68:pe + 24 + 70], "little")
        self.assertEqual(subsystem, 2)  # IMAGE_SUBSYSTEM_WINDOWS_GUI
        self.assertIn(b"PerMonitorV2", data)
        self.assertIn(b"Microsoft.Windows.Common-Controls", data)
        for dll in [b"libstdc++-6.dll", b"libgcc_s_seh-1.dll", b"libwinpthread-1.dll"]:
            self.assertNotIn(dll, data)

    def test_texts_and_digits_in_four_languages(self):
        """The host's texts on screen in nl, fr, de, en; only digits reach the host."""
        pinentry = Pinentry()
        try:
            # (language, keys typed, PIN expected, how): letters and signs are refused.
            for language, typed, expected in [("nl", "1a2b3c4", "1234"),
                                              ("fr", "5x6-7.8", "5678"),
                                              ("de", "24 680", "24680"),
                                              ("en", "q1w3e5r7", "1357")]:
                with self.subTest(language=language):
                    texts = TEXTS[language]
                    pinentry.ask(texts)
                    dialog = self.probe.dump()
                    self.assert_pin_dialog(dialog, texts)
                    self.assertEqual(dialog["owner"], 0)
                    self.focus_dialog()
                    self.type(typed)
                    if language == "fr":
                        # Show the PIN: Tab to the check box, Space; the field shows digits.
                        self.keys("Tab", "space")
                        # The keys reach the dialog through X, the probe's questions
                        # directly: ask until the dialog has handled the keys.
                        shown = self.until(lambda: self.probe.dump()["controls"],
                                           lambda c: c[ID_SHOW_PIN]["checked"] == "1")
                        self.assertEqual(shown[ID_SHOW_PIN]["checked"], "1")
                        self.assertEqual(shown[ID_PIN]["password"], "0")
                    if language == "en":
                        # Pasting keeps the digits only (Ctrl+V puts them after what was typed).
                        self.assertEqual(self.probe.ask("clip 2 4-x6"), ["ok"])
                        self.focus_dialog()
                        self.keys("ctrl+v")
                        expected += "246"
                    time.sleep(0.3)
                    self.screenshot("pin-dialog-" + language)
                    self.keys("Return")  # from the field, or from the check box (fr)
                    self.assertEqual(pinentry.reply(), ["D " + expected, "OK"])
                    self.assert_gone()
        finally:
            pinentry.close()

    def test_stop_escape_and_timeout(self):
        pinentry = Pinentry()
        try:
            # Stop with the keyboard: field → check box → OK → Stop, then Space.
            pinentry.ask(TEXTS["nl"])
            self.probe.dump()
            self.focus_dialog()
            self.type("12")
            self.keys("Tab", "Tab", "Tab", "space")
            self.assertEqual(pinentry.reply(), [CANCELLED])
            self.assert_gone()
            # Escape.
            pinentry.ask(TEXTS["de"])
            self.probe.dump()
            self.focus_dialog()
            self.keys("Escape")
            self.assertEqual(pinentry.reply(), [CANCELLED])
            self.assert_gone()
            # SETTIMEOUT: the dialog closes by itself and says so.
            pinentry.ask(TEXTS["en"], timeout_seconds=3)
            self.probe.dump()
            self.assertEqual(pinentry.reply(), [TIMEOUT])
            self.assert_gone()
            # The same process still answers, and a BYE ends it.
            self.assertEqual(pinentry.command("NOP"), ["OK"])
            self.assertEqual(pinentry.command("BYE"), ["OK closing connection"])
            self.assertEqual(pinentry.process.wait(timeout=WAIT), 0)
        finally:
            pinentry.close()

    def test_message_with_one_button(self):
        """show_message's CONFIRM --one-button: the text and one button, ours to stop with."""
        pinentry = Pinentry()
        try:
            description = ("Le site chat.example veut savoir si tu es un enfant.\n\n"
                           "Mets ta carte d'identité dans le lecteur de carte.")
            for verb, argument in [("SETTITLE", TITLE), ("SETDESC", description),
                                   ("SETOK", "Arrêter"), ("SETTIMEOUT", "120")]:
                self.assertEqual(pinentry.command(verb, argument), ["OK"])
            pinentry.send("CONFIRM --one-button")
            dialog = self.probe.dump()
            controls = dialog["controls"]
            self.assertEqual(controls[ID_DESCRIPTION]["text"], description)
            self.assertEqual(controls[ID_OK]["text"], "Arrêter")
            self.assertTrue(controls[ID_OK]["visible"])
            for hidden in [ID_CANCEL, ID_PIN, ID_PROMPT, ID_SHOW_PIN, ID_ERROR]:
                self.assertFalse(controls[hidden]["visible"], hidden)
            self.screenshot("message-insert-card-fr")
            self.focus_dialog()
            self.keys("Return")
            self.assertEqual(pinentry.reply(), ["OK"])
            self.assert_gone()
        finally:
            pinentry.close()

    def test_protocol(self):
        """GETINFO, escapes, unknown commands and options, long lines, RESET."""
        pinentry = Pinentry()
        try:
            pid = pinentry.command("GETINFO", "pid")
            self.assertRegex(pid[0], r"^D [0-9]+$")
            self.assertEqual(pid[1:], ["OK"])
            self.assertEqual(pinentry.command("GETINFO", "flavor"), ["D saferchat-win32", "OK"])
            self.assertEqual(pinentry.command("GETINFO", "nothing"),
                             ["ERR 83886360 IPC parameter error <Pinentry>"])
            self.assertEqual(pinentry.command("FROBNICATE"),
                             ["ERR 83886355 Unknown IPC command <Pinentry>"])
            self.assertEqual(pinentry.command("OPTION", "no-such-option=1"),
                             ["ERR 83886254 Unknown option <Pinentry>"])
            self.assertEqual(pinentry.command("OPTION", "lc-ctype=nl_BE.UTF-8"), ["OK"])
            self.assertEqual(pinentry.command("SETREPEAT"),
                             ["ERR 83886149 Not implemented <Pinentry>"])
            pinentry.send("SETDESC bad %G1 escape")
            self.assertEqual(pinentry.reply(), ["ERR 83886360 IPC parameter error <Pinentry>"])
            pinentry.send("SETDESC " + "x" * 1200)
            self.assertEqual(pinentry.reply(), ["ERR 83886357 Line too long <Pinentry>"])
            self.assertEqual(pinentry.command("SETTIMEOUT", "soon"),
                             ["ERR 83886360 IPC parameter error <Pinentry>"])
            # Escaped line breaks and percent signs arrive as such; lower-case commands work.
            self.assertEqual(pinentry.command("settitle", TITLE), ["OK"])
            self.assertEqual(pinentry.command("SETDESC", "100% sûr\nZoë"), ["OK"])
            pinentry.send("MESSAGE")
            self.assertEqual(self.probe.dump()["controls"][ID_DESCRIPTION]["text"],
                             "100% sûr\nZoë")
            self.focus_dialog()
            self.keys("Escape")  # a message has nothing to cancel
            self.assertEqual(pinentry.reply(), ["OK"])
            self.assert_gone()
            # RESET forgets the texts: a CONFIRM then has the default title, no description,
            # OK and Cancel; Escape cancels it.
            self.assertEqual(pinentry.command("RESET"), ["OK"])
            pinentry.send("CONFIRM")
            dialog = self.probe.dump("PIN")
            self.assertEqual(dialog["controls"][ID_DESCRIPTION]["text"], "")
            self.assertTrue(dialog["controls"][ID_CANCEL]["visible"])
            self.focus_dialog("PIN")
            self.keys("Escape")
            self.assertEqual(pinentry.reply(), [CANCELLED])
            pinentry.process.stdin.close()
            self.assertEqual(pinentry.process.wait(timeout=WAIT), 0)
        finally:
            pinentry.close()

    def test_owner_window(self):
        """--parent-wid: the browser's window owns the dialog, and the dialog is in front."""
        owner = int(self.probe.ask("owner")[0])
        self.assertNotEqual(owner, 0)
        pinentry = Pinentry("--parent-wid", str(owner))
        try:
            pinentry.ask(TEXTS["en"])
            dialog = self.probe.dump()
            self.assertEqual(dialog["owner"], owner)
            self.assertTrue(dialog["foreground"])
            self.screenshot("pin-dialog-en-owned")
            self.focus_dialog()
            self.keys("Escape")
            self.assertEqual(pinentry.reply(), [CANCELLED])
        finally:
            pinentry.close()

    def test_high_dpi(self):
        """At 144 DPI (150 %) the layout is 1.5 times as large: 16 + 420 + 16 pixels at 96 DPI."""
        desktop = r"HKCU\Control Panel\Desktop"
        pinentry = Pinentry()
        try:
            pinentry.ask(TEXTS["fr"])
            dialog = self.probe.dump()
            self.assertEqual((dialog["dpi"], dialog["width"]), (96, 452))
            self.focus_dialog()
            self.keys("Escape")
            self.assertEqual(pinentry.reply(), [CANCELLED])
        finally:
            pinentry.close()
        wine_reg = ["wine", "reg"]
        subprocess.run(wine_reg + ["add", desktop, "/v", "LogPixels", "/t", "REG_DWORD", "/d",
                                   "144", "/f"], env=environment(), check=True, timeout=WAIT,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        try:
            pinentry = Pinentry()
            try:
                pinentry.ask(TEXTS["fr"])
                dialog = self.probe.dump()
                # (The probe started at 96 DPI and keeps that as its own: only the size tells.)
                self.assertEqual(dialog["width"], 678)
                self.assert_pin_dialog(dialog, TEXTS["fr"])
                self.screenshot("pin-dialog-fr-144dpi")
                self.focus_dialog()
                self.type("2468")
                self.keys("Return")
                self.assertEqual(pinentry.reply(), ["D 2468", "OK"])
            finally:
                pinentry.close()
        finally:
            subprocess.run(wine_reg + ["delete", desktop, "/v", "LogPixels", "/f"],
                           env=environment(), check=False, timeout=WAIT,
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

    def test_bad_arguments(self):
        """An option it does not know: exit status 2, and no greeting."""
        for arguments in [["--display", ":0"], ["--parent-wid", "12ab"], ["--parent-wid"]]:
            pinentry = Wine(ARGS.pinentry, *arguments)
            self.assertEqual(pinentry.process.wait(timeout=WAIT), 2, arguments)
            self.assertIsNone(pinentry.line(), arguments)
            pinentry.close()

    def test_end_of_input_closes_the_dialog(self):
        """The host (or the browser) going away closes the dialog and ends the program."""
        pinentry = Pinentry()
        pinentry.ask(TEXTS["fr"])
        self.probe.dump()
        started = time.monotonic()
        pinentry.process.stdin.close()
        self.assertEqual(pinentry.process.wait(timeout=WAIT), 0)
        self.assert_gone()
        print(f"\nend of input to exit: {time.monotonic() - started:.2f} s", file=sys.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--pinentry", required=True)
    parser.add_argument("--probe", required=True)
    parser.add_argument("--artifacts", required=True)
    ARGS, rest = parser.parse_known_args()
    started = time.monotonic()
    program = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    print(f"pinentry dialog tests took {time.monotonic() - started:.1f} s", file=sys.stderr)
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
