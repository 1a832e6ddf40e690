#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of the native messaging manifests, installer/saferchat-install and the Debian package.

ctest runs one TestCase class per test (tests/installer/CMakeLists.txt):
    python3 installer_test.py <Class>
with these environment variables:
    SAFERCHAT_SOURCE_DIR, SAFERCHAT_BINARY_DIR  the source and build trees
    SAFERCHAT_HOST                              the built saferchat-host
    SAFERCHAT_VERSION                           the project's version
    SAFERCHAT_CHROMIUM_IDS, SAFERCHAT_FIREFOX_IDS  this build's extension IDs (,-separated)

Everything runs the real script (bash) against temporary HOME and --root folders; the installed
manifests are checked key by key, in order, and the host they name is started the way each
browser family starts it (NOTES §4) to prove it answers.
"""

import hashlib
import json
import ntpath
import os
import posixpath
import pwd
import shutil
import stat
import struct
import subprocess
import tempfile
import unittest

SOURCE_DIR = os.environ.get("SAFERCHAT_SOURCE_DIR", "")
BINARY_DIR = os.environ.get("SAFERCHAT_BINARY_DIR", "")
BUILT_HOST = os.environ.get("SAFERCHAT_HOST", "")
VERSION = os.environ.get("SAFERCHAT_VERSION", "")
BUILD_CHROMIUM_IDS = [i for i in os.environ.get("SAFERCHAT_CHROMIUM_IDS", "").split(",") if i]
BUILD_FIREFOX_IDS = [i for i in os.environ.get("SAFERCHAT_FIREFOX_IDS", "").split(",") if i]
PCSC_ENV = os.environ.get("SAFERCHAT_PCSC_ENV", "")
TEST_CARDS = os.environ.get("SAFERCHAT_TEST_CARDS", "")

SCRIPT = os.path.join(SOURCE_DIR, "installer", "saferchat-install")
HOST_NAME = "be.saferchat.host"
MANIFEST = HOST_NAME + ".json"
DESCRIPTION = ("Safer Chat: a child proves with their Belgian ID card that they may join a "
               "children's chat room")
# The official extension (fixed names): what the source-tree installer registers.
OFFICIAL_CHROMIUM_IDS = ["nmgdeinpncakphdmdpndhifioncieboe"]
OFFICIAL_FIREFOX_IDS = ["saferchat@saferchat.be"]

# Per-user folders relative to HOME with no XDG_CONFIG_HOME / CHROME_CONFIG_HOME (NOTES §4).
USER_DIRS = {
    "chrome": ".config/google-chrome/NativeMessagingHosts",
    "chromium": ".config/chromium/NativeMessagingHosts",
    "edge": ".config/microsoft-edge/NativeMessagingHosts",
    "firefox": ".mozilla/native-messaging-hosts",
}
SYSTEM_DIRS = {
    "chrome": "etc/opt/chrome/native-messaging-hosts",
    "chromium": "etc/chromium/native-messaging-hosts",
    "edge": "etc/opt/edge/native-messaging-hosts",
    "firefox": "usr/lib/mozilla/native-messaging-hosts",
}
USER_HOST = ".local/lib/saferchat/saferchat-host"
BROWSERS = ["chrome", "chromium", "edge", "firefox"]


def family(browser):
    return "firefox" if browser == "firefox" else "chromium"


def expected_manifest(fam, path, chromium_ids=None, firefox_ids=None):
    """The manifest as (key, value) pairs in template order."""
    pairs = [("name", HOST_NAME), ("description", DESCRIPTION), ("path", path),
             ("type", "stdio")]
    if fam == "chromium":
        ids = chromium_ids or OFFICIAL_CHROMIUM_IDS
        pairs.append(("allowed_origins", [f"chrome-extension://{i}/" for i in ids]))
    else:
        pairs.append(("allowed_extensions", list(firefox_ids or OFFICIAL_FIREFOX_IDS)))
    return pairs


def as_pairs(pairs):
    return [[key, value] for key, value in pairs]


def load_pairs(path):
    """A JSON object file as its [key, value] pairs, in file order (duplicates would show)."""
    with open(path, "rb") as f:
        raw = f.read()
    return json.loads(raw.decode("utf-8"), object_pairs_hook=as_pairs)


def snapshot(root):
    """Every entry under ROOT: relative path → (kind, mode, SHA-256 of the bytes or link
    target)."""
    entries = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root)
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                entries[rel] = ("link", 0, os.readlink(full))
            elif stat.S_ISDIR(st.st_mode):
                entries[rel] = ("dir", stat.S_IMODE(st.st_mode), "")
            else:
                with open(full, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
                entries[rel] = ("file", stat.S_IMODE(st.st_mode), digest)
    return entries


def files_under(root):
    return {rel for rel, (kind, _, _) in snapshot(root).items() if kind != "dir"}


def read_frames(data):
    """Native messaging frames (NOTES §4: 32-bit native-order length + UTF-8 JSON)."""
    frames = []
    while data:
        (length,) = struct.unpack("<I", data[:4])
        frames.append(json.loads(data[4:4 + length]))
        data = data[4 + length:]
    return frames


def ask_version(argv):
    """Starts the host as a browser would and returns the caller of its `version` reply."""
    request = json.dumps({"command": "version", "id": 1}).encode()
    env = dict(os.environ, PCSCLITE_CSOCK_NAME="/nonexistent/saferchat-test.sock",
               SAFERCHAT_LOG_LEVEL="off")
    done = subprocess.run(argv, input=struct.pack("<I", len(request)) + request,
                          capture_output=True, env=env, timeout=60, check=False)
    if done.returncode != 0:
        raise AssertionError(f"{argv} exited {done.returncode}: {done.stderr!r}")
    replies = [f for f in read_frames(done.stdout) if f.get("id") == 1]
    if len(replies) != 1:
        raise AssertionError(f"no single reply to id 1 in {done.stdout!r}")
    return replies[0]["result"]["caller"]


class ScriptTestCase(unittest.TestCase):
    """Runs the installer with HOME in a fresh temporary folder."""

    maxDiff = None

    def setUp(self):
        self.assertTrue(os.path.isfile(SCRIPT), SCRIPT)
        self.assertTrue(os.access(BUILT_HOST, os.X_OK), BUILT_HOST)
        self.tmp = tempfile.mkdtemp(prefix="saferchat-installer-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.home = os.path.join(self.tmp, "home")
        os.mkdir(self.home)
        with open(BUILT_HOST, "rb") as f:
            self.host_bytes = f.read()

    def env(self, **extra):
        env = {k: v for k, v in os.environ.items()
               if k not in ("XDG_CONFIG_HOME", "CHROME_CONFIG_HOME")}
        env["HOME"] = self.home
        env.update(extra)
        return env

    def run_script(self, *args, script=SCRIPT, env=None, status=0, user=None):
        argv = [script, *args]
        if user is not None:
            entry = pwd.getpwnam(user)
            argv = ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}",
                    "--clear-groups", *argv]
        done = subprocess.run(argv, capture_output=True, text=True, env=env or self.env(),
                              timeout=120, check=False, cwd=self.tmp)
        if done.returncode != status:
            self.fail(f"{args} exited {done.returncode}, expected {status}\n"
                      f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}")
        return done

    def ordinary_user_copies(self):
        """Copies of the script, its templates and the host that an ordinary user can run, and
        that user: `nobody` when the tests run as root (setpriv), else the current user."""
        tree = os.path.join(self.tmp, "tree")
        shutil.copytree(os.path.join(SOURCE_DIR, "manifests"), os.path.join(tree, "manifests"))
        os.mkdir(os.path.join(tree, "installer"))
        script = os.path.join(tree, "installer", "saferchat-install")
        shutil.copy2(SCRIPT, script)
        host = os.path.join(tree, "saferchat-host")
        shutil.copy2(BUILT_HOST, host)
        for path in [self.tmp, tree, os.path.join(tree, "manifests"),
                     os.path.join(tree, "installer")]:
            os.chmod(path, 0o755)
        return script, host, ("nobody" if os.geteuid() == 0 else None)

    def assert_no_system_registration(self):
        """Dry runs against the real system folders expect none of ours there."""
        for browser in BROWSERS + ["lib64"]:
            path = (f"/usr/lib64/mozilla/native-messaging-hosts/{MANIFEST}" if browser == "lib64"
                    else f"/{SYSTEM_DIRS[browser]}/{MANIFEST}")
            self.assertFalse(os.path.lexists(path),
                             f"this test needs a computer where Safer Chat is not registered "
                             f"system-wide; found {path} (remove it, or the saferchat package)")

    def assert_manifest(self, path, fam, host, chromium_ids=None, firefox_ids=None):
        self.assertEqual(load_pairs(path),
                         [list(p) for p in expected_manifest(fam, host, chromium_ids,
                                                             firefox_ids)])
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o644, path)
        named = dict(load_pairs(path))["path"]
        self.assertTrue(posixpath.isabs(named) or ntpath.isabs(named), named)

    def self_check(self, host, root, status, pcsc_card=None):
        """Runs `host --self-check --root ROOT` with HOME and a PATH holding only a fake
        graphical pinentry; PC/SC is the private stack with `pcsc_card` (a TEST card profile),
        or unreachable. Returns the printed lines."""
        bin_dir = os.path.join(self.tmp, "bin")
        os.makedirs(bin_dir, exist_ok=True)
        dialog = os.path.join(bin_dir, "pinentry-gnome3")
        with open(dialog, "w", encoding="utf-8") as f:
            f.write("#!/bin/sh\nexit 1\n")
        os.chmod(dialog, 0o755)
        env = self.env(SAFERCHAT_LOG_LEVEL="off",
                       PCSCLITE_CSOCK_NAME="/nonexistent/saferchat-test.sock")
        env.pop("SAFERCHAT_PINENTRY", None)
        # PATH is the fake one for the host alone (the private PC/SC stack needs the real one).
        argv = ["/usr/bin/env", f"PATH={bin_dir}", host, "--self-check", "--root", root]
        if pcsc_card is not None:
            self.assertTrue(PCSC_ENV and TEST_CARDS, "SAFERCHAT_PCSC_ENV, SAFERCHAT_TEST_CARDS")
            del env["PCSCLITE_CSOCK_NAME"]
            argv = [PCSC_ENV, "--profile", os.path.join(TEST_CARDS, "cards", pcsc_card), "--",
                    *argv]
        done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120,
                              check=False)
        self.assertEqual(done.returncode, status, done.stdout + done.stderr)
        lines = done.stdout.splitlines()
        self.assertIn(f"PIN dialog:      {dialog} (the first graphical PIN dialog found on PATH)",
                      lines)
        return lines

    def assert_host_copy(self, path):
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o755, path)
        with open(path, "rb") as f:
            self.assertEqual(f.read(), self.host_bytes, f"{path} is not a copy of the host")


class UserInstallTest(ScriptTestCase):
    def test_each_browser_alone(self):
        for browser in BROWSERS:
            with self.subTest(browser=browser):
                shutil.rmtree(self.home)
                os.mkdir(self.home)
                done = self.run_script("install", "--user", "--host-binary", BUILT_HOST,
                                       "--browser", browser)
                manifest = os.path.join(self.home, USER_DIRS[browser], MANIFEST)
                host = os.path.join(self.home, USER_HOST)
                self.assertEqual(done.stdout.splitlines(),
                                 [f"copy {BUILT_HOST} -> {host}", f"write {manifest}"])
                self.assertEqual(done.stderr, "")
                self.assertEqual(files_under(self.home),
                                 {USER_HOST, os.path.join(USER_DIRS[browser], MANIFEST)})
                self.assert_manifest(manifest, family(browser), host)
                self.assert_host_copy(host)

    def test_all_browsers_then_uninstall_removes_exactly_those(self):
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST)
        host = os.path.join(self.home, USER_HOST)
        manifests = [os.path.join(self.home, USER_DIRS[b], MANIFEST) for b in BROWSERS]
        self.assertEqual(done.stdout.splitlines(),
                         [f"copy {BUILT_HOST} -> {host}"] + [f"write {m}" for m in manifests])
        self.assertEqual(files_under(self.home),
                         {USER_HOST} | {os.path.join(USER_DIRS[b], MANIFEST) for b in BROWSERS})
        for browser, manifest in zip(BROWSERS, manifests):
            self.assert_manifest(manifest, family(browser), host)
        self.assert_host_copy(host)

        # A file of someone else beside ours stays.
        other = os.path.join(self.home, USER_DIRS["chromium"], "org.example.other.json")
        with open(other, "w", encoding="utf-8") as f:
            f.write('{"name": "org.example.other"}\n')

        done = self.run_script("uninstall", "--user")
        self.assertEqual(done.stdout.splitlines(),
                         [f"remove {m}" for m in manifests] +
                         [f"remove {host}", f"rmdir {os.path.dirname(host)}"])
        self.assertEqual(files_under(self.home),
                         {os.path.join(USER_DIRS["chromium"], "org.example.other.json")})

    def test_self_check_finds_each_user_registration(self):
        self.run_script("install", "--user", "--host-binary", BUILT_HOST)
        host = os.path.join(self.home, USER_HOST)
        empty_root = os.path.join(self.tmp, "root")  # no system-wide registration
        os.mkdir(empty_root)
        lines = self.self_check(host, empty_root, 1)
        registered = [line for line in lines if line.startswith("  ") and ": ok, " in line]
        self.assertEqual(registered, [
            f"  {name} (user): {os.path.join(self.home, USER_DIRS[browser], MANIFEST)}: "
            "ok, starts this program"
            for browser, name in [("chrome", "Chrome"), ("chromium", "Chromium"),
                                  ("edge", "Edge"), ("firefox", "Firefox")]])
        self.assertIn("  registered for: Chrome, Chromium, Edge, Firefox", lines)
        self.assertEqual(lines[-1], "result:          a login cannot work yet: PC/SC is not "
                                    "reachable")
        # With the card service and a reader, a login can work.
        lines = self.self_check(host, empty_root, 0, pcsc_card="kid-9")
        self.assertEqual(lines[-1], "result:          a login can work")
        # Nothing registered: it says so, and what to run.
        self.run_script("uninstall", "--user")
        lines = self.self_check(BUILT_HOST, empty_root, 1)
        self.assertIn("  no browser has Safer Chat registered: run saferchat-install "
                      "(installer/README.md)", lines)
        self.assertEqual(lines[-1], "result:          a login cannot work yet: no browser has "
                                    "the host registered, PC/SC is not reachable")

    def test_reinstall_is_idempotent(self):
        self.run_script("install", "--user", "--host-binary", BUILT_HOST)
        before = snapshot(self.home)
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST)
        self.assertEqual(len(done.stdout.splitlines()), 5)
        self.assertEqual(snapshot(self.home), before)
        # Installing the copy itself again (same file) keeps it.
        host = os.path.join(self.home, USER_HOST)
        done = self.run_script("install", "--user", "--host-binary", host, "--browser", "edge")
        self.assertEqual(done.stdout.splitlines()[0], f"keep {host} (already in place)")
        self.assertEqual(snapshot(self.home), before)

    def test_installed_host_answers_each_browser_family(self):
        self.run_script("install", "--user", "--host-binary", BUILT_HOST)
        chromium = dict(load_pairs(os.path.join(self.home, USER_DIRS["chromium"], MANIFEST)))
        caller = ask_version([chromium["path"], chromium["allowed_origins"][0]])
        self.assertEqual(caller, {"browser": "chromium", "extensionId": OFFICIAL_CHROMIUM_IDS[0]})
        firefox_manifest = os.path.join(self.home, USER_DIRS["firefox"], MANIFEST)
        firefox = dict(load_pairs(firefox_manifest))
        caller = ask_version([firefox["path"], firefox_manifest, firefox["allowed_extensions"][0]])
        self.assertEqual(caller, {"browser": "firefox", "extensionId": OFFICIAL_FIREFOX_IDS[0]})

    def test_config_home_variables(self):
        xdg = os.path.join(self.tmp, "xdg")
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST, "--browser",
                               "chrome", "--browser", "firefox", env=self.env(XDG_CONFIG_HOME=xdg))
        host = os.path.join(self.home, USER_HOST)
        chrome = os.path.join(xdg, "google-chrome/NativeMessagingHosts", MANIFEST)
        firefox = os.path.join(self.home, USER_DIRS["firefox"], MANIFEST)
        self.assertEqual(done.stdout.splitlines(),
                         [f"copy {BUILT_HOST} -> {host}", f"write {chrome}", f"write {firefox}"])
        self.assert_manifest(chrome, "chromium", host)
        # CHROME_CONFIG_HOME comes before XDG_CONFIG_HOME, as in Chromium.
        chrome_home = os.path.join(self.tmp, "chrome-home")
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST, "--browser",
                               "edge", env=self.env(XDG_CONFIG_HOME=xdg,
                                                    CHROME_CONFIG_HOME=chrome_home))
        edge = os.path.join(chrome_home, "microsoft-edge/NativeMessagingHosts", MANIFEST)
        self.assertEqual(done.stdout.splitlines()[1:], [f"write {edge}"])
        self.assert_manifest(edge, "chromium", host)
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST,
                               env=self.env(XDG_CONFIG_HOME="relative/dir"), status=2)
        self.assertEqual(done.stderr.splitlines()[0], "saferchat-install: error: "
                         "CHROME_CONFIG_HOME / XDG_CONFIG_HOME must be absolute: relative/dir")

    def test_chromium_user_data_dir(self):
        profile = os.path.join(self.tmp, "profile")
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST, "--browser",
                               "chromium", "--chromium-user-data-dir", "profile")
        host = os.path.join(self.home, USER_HOST)
        chromium = os.path.join(self.home, USER_DIRS["chromium"], MANIFEST)
        in_profile = os.path.join(profile, "NativeMessagingHosts", MANIFEST)
        self.assertEqual(done.stdout.splitlines(), [f"copy {BUILT_HOST} -> {host}",
                                                    f"write {chromium}", f"write {in_profile}"])
        self.assert_manifest(in_profile, "chromium", host)
        # Uninstall looks in the browsers' folders and in the user data dirs it is given.
        done = self.run_script("uninstall", "--user", "--chromium-user-data-dir", profile)
        self.assertEqual(done.stdout.splitlines(),
                         [f"absent {os.path.join(self.home, USER_DIRS[b], MANIFEST)}"
                          for b in ["chrome"]] + [f"remove {chromium}"] +
                         [f"absent {os.path.join(self.home, USER_DIRS[b], MANIFEST)}"
                          for b in ["edge", "firefox"]] +
                         [f"remove {in_profile}", f"remove {host}",
                          f"rmdir {os.path.dirname(host)}"])
        self.assertEqual(files_under(self.home) | files_under(profile), set())

    def test_partial_uninstall_keeps_the_host_while_registered(self):
        self.run_script("install", "--user", "--host-binary", BUILT_HOST, "--browser", "chrome",
                        "--browser", "firefox")
        host = os.path.join(self.home, USER_HOST)
        chrome = os.path.join(self.home, USER_DIRS["chrome"], MANIFEST)
        firefox = os.path.join(self.home, USER_DIRS["firefox"], MANIFEST)
        done = self.run_script("uninstall", "--user", "--browser", "chrome")
        self.assertEqual(done.stdout.splitlines(),
                         [f"remove {chrome}", f"keep {host} (still registered in {firefox})"])
        self.assertEqual(files_under(self.home),
                         {USER_HOST, os.path.join(USER_DIRS["firefox"], MANIFEST)})
        done = self.run_script("uninstall", "--user", "--browser", "firefox")
        self.assertEqual(done.stdout.splitlines(),
                         [f"remove {firefox}", f"remove {host}", f"rmdir {os.path.dirname(host)}"])
        self.assertEqual(files_under(self.home), set())

    def test_uninstall_keeps_what_is_not_ours(self):
        self.run_script("install", "--user", "--host-binary", BUILT_HOST, "--browser", "chrome",
                        "--browser", "firefox")
        chrome = os.path.join(self.home, USER_DIRS["chrome"], MANIFEST)
        firefox = os.path.join(self.home, USER_DIRS["firefox"], MANIFEST)
        with open(chrome, "w", encoding="utf-8") as f:
            f.write('{"name": "org.example.other", "path": "/opt/other"}\n')
        with open(firefox, "w", encoding="utf-8") as f:
            f.write('{"name": "be.saferchat.host", "path": "/opt/elsewhere/saferchat-host"}\n')
        done = self.run_script("uninstall", "--user", "--browser", "chrome", "--browser",
                               "firefox")
        host = os.path.join(self.home, USER_HOST)
        self.assertEqual(done.stdout.splitlines(), [
            f"keep {chrome} (not a be.saferchat.host manifest)",
            f"keep {firefox} (registers /opt/elsewhere/saferchat-host)",
            f"remove {host}", f"rmdir {os.path.dirname(host)}"])
        self.assertEqual(files_under(self.home), {os.path.join(USER_DIRS["chrome"], MANIFEST),
                                                  os.path.join(USER_DIRS["firefox"], MANIFEST)})

    def test_install_refuses_a_file_in_the_way_and_changes_nothing(self):
        edge = os.path.join(self.home, USER_DIRS["edge"], MANIFEST)
        os.makedirs(os.path.dirname(edge))
        with open(edge, "w", encoding="utf-8") as f:
            f.write('{"name": "org.example.other"}\n')
        before = snapshot(self.home)
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST, status=5)
        self.assertEqual(done.stdout, "")
        self.assertEqual(done.stderr, f"saferchat-install: error: {edge} exists and is not a "
                         "be.saferchat.host manifest; move it away first\n")
        self.assertEqual(snapshot(self.home), before)
        with open(edge, "w", encoding="utf-8") as f:
            f.write('{"name": "be.saferchat.host", "path": "/usr/libexec/saferchat/'
                    'saferchat-host"}\n')
        before = snapshot(self.home)
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST, status=5)
        self.assertEqual(done.stderr, f"saferchat-install: error: {edge} registers "
                         "be.saferchat.host at /usr/libexec/saferchat/saferchat-host; "
                         "uninstall that first\n")
        self.assertEqual(snapshot(self.home), before)

    def test_paths_are_escaped_in_json(self):
        home = os.path.join(self.tmp, 'we"ird\\ & home é')
        os.mkdir(home)
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST, "--browser",
                               "firefox", env=self.env(HOME=home))
        manifest = os.path.join(home, USER_DIRS["firefox"], MANIFEST)
        self.assertEqual(done.stdout.splitlines()[1], f"write {manifest}")
        self.assert_manifest(manifest, "firefox", os.path.join(home, USER_HOST))
        done = self.run_script("uninstall", "--user", env=self.env(HOME=home))
        self.assertEqual(files_under(home), set())


class DryRunTest(ScriptTestCase):
    def test_install_prints_every_file_and_writes_nothing(self):
        profile = os.path.join(self.tmp, "profile")
        done = self.run_script("install", "--user", "--host-binary", BUILT_HOST,
                               "--chromium-user-data-dir", profile, "--dry-run")
        host = os.path.join(self.home, USER_HOST)
        self.assertEqual(done.stdout.splitlines(),
                         [f"dry-run: copy {BUILT_HOST} -> {host}"] +
                         [f"dry-run: write {os.path.join(self.home, USER_DIRS[b], MANIFEST)}"
                          for b in BROWSERS] +
                         [f"dry-run: write {profile}/NativeMessagingHosts/{MANIFEST}"])
        self.assertEqual(snapshot(self.home), {})
        self.assertFalse(os.path.exists(profile))

    def test_uninstall_prints_every_file_and_removes_nothing(self):
        self.run_script("install", "--user", "--host-binary", BUILT_HOST)
        before = snapshot(self.home)
        done = self.run_script("uninstall", "--user", "--dry-run")
        host = os.path.join(self.home, USER_HOST)
        self.assertEqual(done.stdout.splitlines(),
                         [f"dry-run: remove {os.path.join(self.home, USER_DIRS[b], MANIFEST)}"
                          for b in BROWSERS] +
                         [f"dry-run: remove {host}", f"dry-run: rmdir {os.path.dirname(host)}"])
        self.assertEqual(snapshot(self.home), before)

    def test_system_dry_run_writes_nothing(self):
        """Against the real system folders, as an ordinary user, so that even a broken dry run
        could not change this computer."""
        self.assert_no_system_registration()
        script, host, user = self.ordinary_user_copies()
        prefix = os.path.join(self.tmp, "prefix")
        done = self.run_script("install", "--system", "--host-binary", host, "--prefix", prefix,
                               "--dry-run", script=script, user=user)
        lines = [f"dry-run: copy {host} -> {prefix}/libexec/saferchat/saferchat-host"]
        lines += [f"dry-run: write /{SYSTEM_DIRS[b]}/{MANIFEST}" for b in BROWSERS]
        if os.path.isdir("/usr/lib64/mozilla") and \
                not os.path.samefile("/usr/lib64/mozilla", "/usr/lib/mozilla"):
            lines.append(f"dry-run: write /usr/lib64/mozilla/native-messaging-hosts/{MANIFEST}")
        self.assertEqual(done.stdout.splitlines(), lines)
        self.assertFalse(os.path.exists(prefix))
        self.assert_no_system_registration()


class SystemInstallTest(ScriptTestCase):
    def setUp(self):
        super().setUp()
        self.root = os.path.join(self.tmp, "root")

    def test_install_and_uninstall_under_root(self):
        done = self.run_script("install", "--system", "--root", self.root, "--host-binary",
                               BUILT_HOST)
        final_host = "/usr/local/libexec/saferchat/saferchat-host"
        manifests = [os.path.join(self.root, SYSTEM_DIRS[b], MANIFEST) for b in BROWSERS]
        self.assertEqual(done.stdout.splitlines(),
                         [f"copy {BUILT_HOST} -> {self.root}{final_host}"] +
                         [f"write {m}" for m in manifests])
        self.assertEqual(files_under(self.root),
                         {final_host[1:]} | {os.path.join(SYSTEM_DIRS[b], MANIFEST)
                                             for b in BROWSERS})
        for browser, manifest in zip(BROWSERS, manifests):
            self.assert_manifest(manifest, family(browser), final_host)
        self.assert_host_copy(self.root + final_host)
        for directory in ["etc/opt/chrome/native-messaging-hosts", "usr/local/libexec/saferchat"]:
            mode = stat.S_IMODE(os.stat(os.path.join(self.root, directory)).st_mode)
            self.assertEqual(mode, 0o755, directory)

        # Registering the host already in place (no --host-binary) rewrites the manifests only.
        before = snapshot(self.root)
        done = self.run_script("install", "--system", "--root", self.root)
        self.assertEqual(done.stdout.splitlines(), [f"write {m}" for m in manifests])
        self.assertEqual(snapshot(self.root), before)

        # Another prefix's uninstall leaves these alone.
        done = self.run_script("uninstall", "--system", "--root", self.root, "--prefix", "/usr")
        self.assertEqual(done.stdout.splitlines(),
                         [f"keep {m} (registers {final_host})" for m in manifests] +
                         [f"absent {self.root}/usr/libexec/saferchat/saferchat-host"])
        self.assertEqual(snapshot(self.root), before)

        done = self.run_script("uninstall", "--system", "--root", self.root)
        self.assertEqual(done.stdout.splitlines(),
                         [f"remove {m}" for m in manifests] +
                         [f"remove {self.root}{final_host}",
                          f"rmdir {self.root}/usr/local/libexec/saferchat"])
        self.assertEqual(files_under(self.root), set())

    def test_prefix_and_lib64_firefox_folder(self):
        os.makedirs(os.path.join(self.root, "usr/lib64/mozilla"))
        done = self.run_script("install", "--system", "--root", self.root, "--prefix", "/opt/sc/",
                               "--host-binary", BUILT_HOST, "--browser", "firefox")
        final_host = "/opt/sc/libexec/saferchat/saferchat-host"
        lib = os.path.join(self.root, SYSTEM_DIRS["firefox"], MANIFEST)
        lib64 = os.path.join(self.root, "usr/lib64/mozilla/native-messaging-hosts", MANIFEST)
        self.assertEqual(done.stdout.splitlines(),
                         [f"copy {BUILT_HOST} -> {self.root}{final_host}", f"write {lib}",
                          f"write {lib64}"])
        self.assert_manifest(lib, "firefox", final_host)
        self.assert_manifest(lib64, "firefox", final_host)

    def test_lib64_that_is_lib_is_written_once(self):
        os.makedirs(os.path.join(self.root, "usr/lib/mozilla"))
        os.symlink("lib", os.path.join(self.root, "usr/lib64"))
        done = self.run_script("install", "--system", "--root", self.root, "--host-binary",
                               BUILT_HOST, "--browser", "firefox")
        self.assertEqual(done.stdout.splitlines()[1:],
                         [f"write {os.path.join(self.root, SYSTEM_DIRS['firefox'], MANIFEST)}"])

    def test_without_host_binary_needs_the_host_in_place(self):
        done = self.run_script("install", "--system", "--root", self.root, status=3)
        self.assertEqual(done.stderr, "saferchat-install: error: no host at "
                         f"{self.root}/usr/local/libexec/saferchat/saferchat-host: "
                         "pass --host-binary PATH\n")
        self.assertFalse(os.path.exists(self.root))


class RefusalTest(ScriptTestCase):
    def assert_refused(self, args, status, message, usage_hint=True, **kwargs):
        done = self.run_script(*args, status=status, **kwargs)
        expected = f"saferchat-install: error: {message}\n"
        if usage_hint:
            expected += 'Run "saferchat-install --help" for usage.\n'
        self.assertEqual(done.stderr, expected)
        self.assertEqual(done.stdout, "")
        self.assertEqual(snapshot(self.home), {})

    def test_host_binary(self):
        missing = os.path.join(self.tmp, "missing")
        self.assert_refused(["install", "--user", "--host-binary", missing], 3,
                            f"host binary not found: {missing}", usage_hint=False)
        plain = os.path.join(self.tmp, "plain")
        with open(plain, "wb") as f:
            f.write(self.host_bytes[:64])
        os.chmod(plain, 0o644)
        self.assert_refused(["install", "--user", "--host-binary", plain], 3,
                            f"host binary is not an executable file: {plain}", usage_hint=False)
        self.assert_refused(["install", "--user", "--host-binary", self.tmp], 3,
                            f"host binary is not an executable file: {self.tmp}",
                            usage_hint=False)
        self.assert_refused(["install", "--user"], 2, "install --user needs --host-binary PATH")

    def test_usage_errors(self):
        host = ["--host-binary", BUILT_HOST]
        cases = [
            (["install", "--user", *host, "--browser", "opera"],
             "unknown browser: opera (expected chrome, chromium, edge or firefox)"),
            (["install", "--user", *host, "--force"], "unknown option: --force"),
            (["install", "--user", *host, "--browser"], "option --browser needs a value"),
            (["install", "--user", *host, "--browser="], "option --browser needs a value"),
            (["install", "--user=yes", *host], "option --user takes no value"),
            (["upgrade", "--user"], "unknown command: upgrade"),
            (["--user", "install"], "a command comes first: install, uninstall or generate"),
            (["install", *host], "install needs --user or --system"),
            (["uninstall"], "uninstall needs --user or --system"),
            (["install", "--user", "--system", *host], "--user and --system exclude each other"),
            (["install", "--user", *host, "--root", self.tmp], "--root applies to --system only"),
            (["install", "--user", *host, "--prefix", "/usr"], "--prefix applies to --system only"),
            (["install", "--system", "--dry-run", "--chromium-user-data-dir", self.tmp],
             "--chromium-user-data-dir applies to --user only"),
            (["install", "--system", "--dry-run", "--prefix", "usr/local"],
             "--prefix must be an absolute path: usr/local"),
            (["uninstall", "--user", *host], "--host-binary does not apply to uninstall"),
            (["install", "--user", *host, "--platform", "macos"],
             "--platform does not apply to install"),
            (["generate", "--platform", "macos", "--out", self.home, "--user"],
             "--user does not apply to generate"),
            (["generate", "--out", self.home], "generate needs --platform macos|windows"),
            (["generate", "--platform", "macos"], "generate needs --out DIR"),
            (["generate", "--platform", "linux", "--out", self.home],
             "unknown platform: linux (expected macos or windows)"),
            (["generate", "--platform", "macos", "--out", self.home, "--host-path", "rel/host"],
             "--host-path must be an absolute macOS path: rel/host"),
            (["generate", "--platform", "windows", "--out", self.home, "--host-path",
              "/usr/bin/host"], "--host-path must be an absolute Windows path like "
             "C:\\dir\\saferchat-host.exe: /usr/bin/host"),
            (["generate", "--platform", "windows", "--out", self.home, "--host-path",
              'C:\\Program Files\\a"b.exe'], "--host-path must be an absolute Windows path like "
             'C:\\dir\\saferchat-host.exe: C:\\Program Files\\a"b.exe'),
            (["generate", "--platform", "macos", "--out", self.home, "--host-path", "/a\nb"],
             "path has a control character: $'/a\\nb'"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.assert_refused(args, 2, message)

    def test_no_arguments_prints_usage(self):
        done = self.run_script(status=2)
        self.assertTrue(done.stderr.startswith("Usage:\n  saferchat-install install --user"))
        done = self.run_script("--help")
        self.assertTrue(done.stdout.startswith("Usage:\n"))
        self.assertIn("Exit status: 0 done; 1 failure (I/O); 2 usage error; 3 host binary "
                      "missing or not executable;\n4 root needed; 5 a file in the way",
                      done.stdout)

    def test_system_needs_root(self):
        """As an ordinary user: refused without --root or --dry-run; fine with either."""
        self.assert_no_system_registration()
        script, host, user = self.ordinary_user_copies()
        stage = os.path.join(self.tmp, "stage")
        os.mkdir(stage)
        os.chmod(stage, 0o777)
        done = self.run_script("install", "--system", "--host-binary", host,
                               script=script, user=user, status=4)
        self.assertEqual(done.stderr, "saferchat-install: error: --system needs root: run it as "
                         "root, stage it with --root DIR, or preview it with --dry-run\n")
        self.run_script("uninstall", "--system", script=script, user=user, status=4)
        self.run_script("install", "--system", "--host-binary", host, "--dry-run", "--prefix",
                        stage, script=script, user=user)
        self.run_script("install", "--system", "--host-binary", host, "--root", stage,
                        script=script, user=user)
        self.assertEqual(len(files_under(stage)), 5)


class GenerateTest(ScriptTestCase):
    MACOS_DIRS = [
        ("chromium", "system/Library/Google/Chrome/NativeMessagingHosts"),
        ("chromium", "system/Library/Application Support/Chromium/NativeMessagingHosts"),
        ("chromium", "system/Library/Microsoft/Edge/NativeMessagingHosts"),
        ("firefox", "system/Library/Application Support/Mozilla/NativeMessagingHosts"),
        ("chromium", "user/Library/Application Support/Google/Chrome/NativeMessagingHosts"),
        ("chromium", "user/Library/Application Support/Chromium/NativeMessagingHosts"),
        ("chromium", "user/Library/Application Support/Microsoft Edge/NativeMessagingHosts"),
        ("firefox", "user/Library/Application Support/Mozilla/NativeMessagingHosts"),
    ]

    def test_macos(self):
        out = os.path.join(self.tmp, "macos")
        done = self.run_script("generate", "--platform", "macos", "--out", out)
        self.assertEqual(done.stdout.splitlines(),
                         [f"write {out}/{d}/{MANIFEST}" for _, d in self.MACOS_DIRS] +
                         [f"write {out}/README.txt"])
        self.assertEqual(files_under(out),
                         {f"{d}/{MANIFEST}" for _, d in self.MACOS_DIRS} | {"README.txt"})
        host = "/Library/Application Support/Safer Chat/saferchat-host"
        for fam, directory in self.MACOS_DIRS:
            self.assert_manifest(os.path.join(out, directory, MANIFEST), fam, host)
        with open(os.path.join(out, "README.txt"), encoding="utf-8") as f:
            readme = f.read()
        self.assertIn(f"The manifests name the host at: {host}\n", readme)
        self.assertIn("sudo ditto system /\n", readme)

        done = self.run_script("generate", "--platform", "macos", "--out", out, "--host-path",
                               "/Applications/Safer Chat.app/Contents/MacOS/saferchat-host")
        self.assert_manifest(os.path.join(out, self.MACOS_DIRS[3][1], MANIFEST), "firefox",
                             "/Applications/Safer Chat.app/Contents/MacOS/saferchat-host")

    def read_reg(self, path):
        with open(path, "rb") as f:
            raw = f.read()
        self.assertEqual(raw[:2], b"\xff\xfe", f"{path}: no UTF-16LE byte order mark")
        text = raw[2:].decode("utf-16-le")
        self.assertNotIn("\n", text.replace("\r\n", ""), f"{path}: a line end is not CRLF")
        return text.replace("\r\n", "\n")

    def test_windows(self):
        out = os.path.join(self.tmp, "windows")
        done = self.run_script("generate", "--platform", "windows", "--out", out)
        names = [f"{HOST_NAME}.chromium.json", f"{HOST_NAME}.firefox.json", "install-hklm.reg",
                 "uninstall-hklm.reg", "install-hkcu.reg", "uninstall-hkcu.reg", "README.txt"]
        self.assertEqual(done.stdout.splitlines(), [f"write {out}/{n}" for n in names])
        self.assertEqual(files_under(out), set(names))
        host = "C:\\Program Files\\Safer Chat\\saferchat-host.exe"
        self.assert_manifest(os.path.join(out, names[0]), "chromium", host)
        self.assert_manifest(os.path.join(out, names[1]), "firefox", host)
        with open(os.path.join(out, names[0]), encoding="utf-8") as f:
            self.assertIn('"path": "C:\\\\Program Files\\\\Safer Chat\\\\saferchat-host.exe"',
                          f.read())

        chromium = "C:\\\\Program Files\\\\Safer Chat\\\\be.saferchat.host.chromium.json"
        firefox = "C:\\\\Program Files\\\\Safer Chat\\\\be.saferchat.host.firefox.json"
        for hive, reg in [("HKEY_LOCAL_MACHINE\\SOFTWARE", "hklm"),
                          ("HKEY_CURRENT_USER\\Software", "hkcu")]:
            keys = [f"{hive}\\Google\\Chrome\\NativeMessagingHosts\\be.saferchat.host",
                    f"{hive}\\Chromium\\NativeMessagingHosts\\be.saferchat.host",
                    f"{hive}\\Microsoft\\Edge\\NativeMessagingHosts\\be.saferchat.host",
                    f"{hive}\\Mozilla\\NativeMessagingHosts\\be.saferchat.host"]
            values = [chromium, chromium, chromium, firefox]
            self.assertEqual(
                self.read_reg(os.path.join(out, f"install-{reg}.reg")),
                "Windows Registry Editor Version 5.00\n" +
                "".join(f'\n[{k}]\n@="{v}"\n' for k, v in zip(keys, values)))
            self.assertEqual(
                self.read_reg(os.path.join(out, f"uninstall-{reg}.reg")),
                "Windows Registry Editor Version 5.00\n" + "".join(f"\n[-{k}]\n" for k in keys))

    def test_windows_share_and_non_ascii_path(self):
        out = os.path.join(self.tmp, "windows")
        host = "\\\\server\\apps\\Sécurité\\saferchat-host.exe"
        self.run_script("generate", "--platform", "windows", "--out", out, "--host-path", host)
        self.assert_manifest(os.path.join(out, f"{HOST_NAME}.firefox.json"), "firefox", host)
        self.assertIn('@="\\\\\\\\server\\\\apps\\\\Sécurité\\\\be.saferchat.host.firefox.json"'
                      '\n',
                      self.read_reg(os.path.join(out, "install-hkcu.reg")))

    def test_dry_run_writes_nothing(self):
        out = os.path.join(self.tmp, "windows")
        done = self.run_script("generate", "--platform", "windows", "--out", out, "--dry-run")
        self.assertEqual(len(done.stdout.splitlines()), 7)
        self.assertTrue(all(line.startswith(f"dry-run: write {out}/")
                            for line in done.stdout.splitlines()))
        self.assertFalse(os.path.exists(out))


class TemplateTest(unittest.TestCase):
    """The templates, and what CMake makes of them in the build tree (no script run)."""

    maxDiff = None

    def test_source_templates(self):
        for fam, key, placeholder in [
                ("chromium", "allowed_origins", "@SAFERCHAT_ALLOWED_ORIGINS@"),
                ("firefox", "allowed_extensions", "@SAFERCHAT_ALLOWED_EXTENSIONS@")]:
            path = os.path.join(SOURCE_DIR, "manifests", f"{HOST_NAME}.{fam}.json.in")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertEqual(text.count("@SAFERCHAT_HOST_PATH@"), 1)
            self.assertEqual(text.count(placeholder), 1)
            filled = text.replace("@SAFERCHAT_HOST_PATH@", "/x").replace(placeholder, '"y"')
            self.assertEqual(json.loads(filled, object_pairs_hook=as_pairs),
                             [["name", HOST_NAME], ["description", DESCRIPTION], ["path", "/x"],
                              ["type", "stdio"], [key, ["y"]]])

    def test_build_tree_manifests_name_the_built_host(self):
        for fam in ["chromium", "firefox"]:
            path = os.path.join(BINARY_DIR, "manifests", fam, MANIFEST)
            self.assertEqual(load_pairs(path),
                             [list(p) for p in expected_manifest(fam, BUILT_HOST,
                                                                 BUILD_CHROMIUM_IDS,
                                                                 BUILD_FIREFOX_IDS)])

    def test_build_tree_templates_carry_the_build_ids(self):
        for fam in ["chromium", "firefox"]:
            path = os.path.join(BINARY_DIR, "manifests", "templates", f"{HOST_NAME}.{fam}.json.in")
            with open(path, encoding="utf-8") as f:
                text = f.read()
            self.assertEqual(text.count("@SAFERCHAT_"), 1, path)
            filled = text.replace("@SAFERCHAT_HOST_PATH@", "/h")
            self.assertEqual(json.loads(filled, object_pairs_hook=as_pairs),
                             [list(p) for p in expected_manifest(fam, "/h", BUILD_CHROMIUM_IDS,
                                                                 BUILD_FIREFOX_IDS)])


class ShellcheckTest(unittest.TestCase):
    def test_installer_is_shellcheck_clean(self):
        shellcheck = shutil.which("shellcheck")
        self.assertIsNotNone(shellcheck, "shellcheck is not installed (scripts/bootstrap.sh)")
        done = subprocess.run([shellcheck, "--shell=bash", SCRIPT], capture_output=True,
                              text=True, check=False)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)


def cmake_install(destdir, *components, prefix="/usr"):
    for component in components:
        subprocess.run(["cmake", "--install", BINARY_DIR, "--prefix", prefix, "--component",
                        component], env=dict(os.environ, DESTDIR=destdir), check=True,
                       capture_output=True, timeout=120)


class StagedLayoutTest(ScriptTestCase):
    """The installed layout (cmake --install): the installer finds its templates there, and its
    system manifests match CMake's own byte for byte."""

    def test_installed_installer_matches_cmake_manifests(self):
        by_script = os.path.join(self.tmp, "by-script")
        by_cmake = os.path.join(self.tmp, "by-cmake")
        cmake_install(by_script, "host", "installer")
        script = os.path.join(by_script, "usr/share/saferchat/saferchat-install")
        self.assertTrue(os.access(script, os.X_OK))
        self.assert_host_copy(os.path.join(by_script, "usr/libexec/saferchat/saferchat-host"))
        before = files_under(by_script)
        done = self.run_script("install", "--system", "--root", by_script, "--prefix", "/usr",
                               script=script)
        self.assertEqual(done.stdout.splitlines(),
                         [f"write {by_script}/{SYSTEM_DIRS[b]}/{MANIFEST}" for b in BROWSERS])
        for browser in BROWSERS:
            self.assert_manifest(os.path.join(by_script, SYSTEM_DIRS[browser], MANIFEST),
                                 family(browser), "/usr/libexec/saferchat/saferchat-host",
                                 BUILD_CHROMIUM_IDS, BUILD_FIREFOX_IDS)

        cmake_install(by_cmake, "browser-manifests")
        self.assertEqual(files_under(by_cmake),
                         {os.path.join(SYSTEM_DIRS[b], MANIFEST) for b in BROWSERS})
        written = files_under(by_script) - before
        self.assertEqual(written, files_under(by_cmake))
        for rel in written:
            with open(os.path.join(by_script, rel), "rb") as a, \
                    open(os.path.join(by_cmake, rel), "rb") as b:
                self.assertEqual(a.read(), b.read(), rel)


class DebianPackageTest(ScriptTestCase):
    """cpack -G DEB from this build tree, then dpkg-deb and lintian."""

    def test_package(self):
        out = os.path.join(self.tmp, "pkg")
        subprocess.run(["cpack", "-G", "DEB", "-B", out, "--config",
                        os.path.join(BINARY_DIR, "CPackConfig.cmake")],
                       check=True, capture_output=True, timeout=600)
        debs = [n for n in os.listdir(out) if n.endswith(".deb")]
        arch = subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True,
                              check=True).stdout.strip()
        self.assertEqual(debs, [f"saferchat_{VERSION}-1_{arch}.deb"])
        deb = os.path.join(out, debs[0])

        def field(name):
            return subprocess.run(["dpkg-deb", "-f", deb, name], capture_output=True, text=True,
                                  check=True).stdout.strip()

        self.assertEqual(field("Package"), "saferchat")
        self.assertEqual(field("Version"), f"{VERSION}-1")
        self.assertEqual(field("Architecture"), arch)
        self.assertEqual(field("Section"), "utils")
        self.assertEqual(field("Priority"), "optional")
        self.assertEqual(field("Maintainer"), "Safer Chat maintainers <maintainers@saferchat.be>")
        self.assertTrue(field("Description").startswith(
            "Belgian ID card login for children's chat rooms (browser host)\n"))
        depends = [d.strip() for d in field("Depends").split(",")]
        self.assertEqual(depends[:2], ["pcscd", "pinentry-gnome3 | pinentry-gtk2 | pinentry-qt"])
        # dpkg-shlibdeps found the host's libraries.
        for library in ["libc6", "libpcsclite1", "libssl3", "libstdc++6"]:
            self.assertTrue(any(d.startswith(library + " ") for d in depends), (library, depends))

        listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True,
                                 check=True).stdout.splitlines()
        entries = {line.split()[-1]: line.split()[0] for line in listing}
        files = {path: mode for path, mode in entries.items() if not path.endswith("/")}
        self.assertEqual(set(files), {
            "./usr/libexec/saferchat/saferchat-host",
            "./etc/opt/chrome/native-messaging-hosts/be.saferchat.host.json",
            "./etc/chromium/native-messaging-hosts/be.saferchat.host.json",
            "./etc/opt/edge/native-messaging-hosts/be.saferchat.host.json",
            "./usr/lib/mozilla/native-messaging-hosts/be.saferchat.host.json",
            "./usr/share/saferchat/saferchat-install",
            "./usr/share/saferchat/manifests/be.saferchat.host.chromium.json.in",
            "./usr/share/saferchat/manifests/be.saferchat.host.firefox.json.in",
            "./usr/share/doc/saferchat/copyright",
            "./usr/share/doc/saferchat/changelog.Debian.gz",
            "./usr/share/lintian/overrides/saferchat",
        })
        self.assertEqual(files["./usr/libexec/saferchat/saferchat-host"], "-rwxr-xr-x")
        self.assertEqual(files["./usr/share/saferchat/saferchat-install"], "-rwxr-xr-x")
        self.assertTrue(all(line.split()[1] == "root/root" for line in listing))

        tree = os.path.join(self.tmp, "tree")
        subprocess.run(["dpkg-deb", "-x", deb, tree], check=True)
        host = "/usr/libexec/saferchat/saferchat-host"
        for browser in BROWSERS:
            self.assert_manifest(os.path.join(tree, SYSTEM_DIRS[browser], MANIFEST),
                                 family(browser), host, BUILD_CHROMIUM_IDS, BUILD_FIREFOX_IDS)
        # The packaged host is stripped and runs.
        sections = subprocess.run(["readelf", "-S", tree + host], capture_output=True, text=True,
                                  check=True).stdout
        self.assertNotIn(".debug_info", sections)
        self.assertNotIn(".comment", sections)
        version = subprocess.run([tree + host, "--version"], capture_output=True, text=True,
                                 check=True, timeout=30).stdout
        self.assertTrue(version.startswith(f"saferchat-host {VERSION} "), version)
        caller = ask_version([tree + host, f"chrome-extension://{BUILD_CHROMIUM_IDS[0]}/"])
        self.assertEqual(caller, {"browser": "chromium", "extensionId": BUILD_CHROMIUM_IDS[0]})

        # The packaged host's self-check, installed in a temporary root: every browser's
        # system manifest starts it; a login can work once PC/SC has a reader.
        lines = self.self_check(tree + host, tree, 1)
        self.assertEqual([line for line in lines if ": ok, " in line], [
            f"  {name} (system): {os.path.join(tree, SYSTEM_DIRS[browser], MANIFEST)}: "
            "ok, starts this program"
            for browser, name in [("chrome", "Chrome"), ("chromium", "Chromium"),
                                  ("edge", "Edge"), ("firefox", "Firefox")]])
        self.assertNotIn("still missing: the browser extension and installers", lines)
        self.assertEqual(lines[-1], "result:          a login cannot work yet: PC/SC is not "
                                    "reachable")
        lines = self.self_check(tree + host, tree, 0, pcsc_card="kid-9")
        self.assertEqual(lines[-1], "result:          a login can work")

        control = os.path.join(self.tmp, "control")
        subprocess.run(["dpkg-deb", "-e", deb, control], check=True)
        with open(os.path.join(control, "conffiles"), encoding="utf-8") as f:
            self.assertEqual(f.read().splitlines(), [
                "/etc/opt/chrome/native-messaging-hosts/be.saferchat.host.json",
                "/etc/chromium/native-messaging-hosts/be.saferchat.host.json",
                "/etc/opt/edge/native-messaging-hosts/be.saferchat.host.json"])

        # The packaged installer finds its templates, which carry this build's IDs.
        done = self.run_script("generate", "--platform", "macos", "--out",
                               os.path.join(self.tmp, "macos"),
                               script=os.path.join(tree, "usr/share/saferchat/saferchat-install"))
        self.assertEqual(len(done.stdout.splitlines()), 9)
        self.assert_manifest(os.path.join(self.tmp, "macos", GenerateTest.MACOS_DIRS[0][1],
                                          MANIFEST), "chromium",
                             "/Library/Application Support/Safer Chat/saferchat-host",
                             BUILD_CHROMIUM_IDS, BUILD_FIREFOX_IDS)

        lintian = subprocess.run(["lintian", "--info", deb], capture_output=True, text=True,
                                 check=False, timeout=600)
        print(lintian.stdout, end="")
        errors = [line for line in lintian.stdout.splitlines() if line.startswith("E:")]
        self.assertEqual(errors, [], lintian.stdout)
        self.assertEqual(lintian.returncode, 0, lintian.stdout + lintian.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
