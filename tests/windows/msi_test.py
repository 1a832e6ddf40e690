#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of the Windows installers (installer/windows: saferchat.wxs, make-msi, saferchat-sign).

ctest runs one TestCase class per test (tests/windows/CMakeLists.txt):
    python3 msi_test.py <Class>
with these environment variables:
    SAFERCHAT_SOURCE_DIR        the source tree
    SAFERCHAT_MSI_DIR           where the build put the two MSIs (target saferchat-msi)
    SAFERCHAT_VERSION           the project's version
    SAFERCHAT_HOST_EXE          the built saferchat-host.exe
    SAFERCHAT_PINENTRY_EXE      the saferchat-pinentry.exe that went into the MSIs
    SAFERCHAT_STRIP             the cross strip (the MSIs carry the programs without debug info)
    SAFERCHAT_MANIFEST_DIR      the manifests the build made for the MSIs
    SAFERCHAT_CHROMIUM_IDS, SAFERCHAT_FIREFOX_IDS  this build's extension IDs (,-separated)
    WINEPREFIX, WINEDEBUG       the build tree's Wine prefix (shared with the other Windows tests)

MsiTablesTest reads the MSIs with msiinfo/msiextract; InstallTest installs each MSI with Wine's
msiexec, checks the registry with Wine's reg, follows the registered manifest to the installed
host, then uninstalls and checks that nothing is left; SigningTest signs with a certificate made
here (openssl) and checks the signatures with osslsigncode.
"""

import json
import ntpath
import os
import re
import select
import shutil
import struct
import subprocess
import tempfile
import time
import unittest

SOURCE_DIR = os.environ.get("SAFERCHAT_SOURCE_DIR", "")
MSI_DIR = os.environ.get("SAFERCHAT_MSI_DIR", "")
VERSION = os.environ.get("SAFERCHAT_VERSION", "")
HOST_EXE = os.environ.get("SAFERCHAT_HOST_EXE", "")
PINENTRY_EXE = os.environ.get("SAFERCHAT_PINENTRY_EXE", "")
STRIP = os.environ.get("SAFERCHAT_STRIP", "")
MANIFEST_DIR = os.environ.get("SAFERCHAT_MANIFEST_DIR", "")
CHROMIUM_IDS = [i for i in os.environ.get("SAFERCHAT_CHROMIUM_IDS", "").split(",") if i]
FIREFOX_IDS = [i for i in os.environ.get("SAFERCHAT_FIREFOX_IDS", "").split(",") if i]

HOST_NAME = "be.saferchat.host"
DESCRIPTION = ("Safer Chat: a child proves with their Belgian ID card that they may join a "
               "children's chat room")
MAKE_MSI = os.path.join(SOURCE_DIR, "installer", "windows", "make-msi")
SIGN = os.path.join(SOURCE_DIR, "installer", "windows", "saferchat-sign")
CHROME_UPDATE_URL = "https://clients2.google.com/service/update2/crx"
FIREFOX_INSTALL_URL = "https://addons.mozilla.org/firefox/downloads/latest/saferchat/latest.xpi"

# Registry roots in the MSI's Registry table (Windows Installer: 1 = HKCU, 2 = HKLM).
VARIANTS = {
    "per_machine": {
        "msi": "saferchat-%s-x64.msi",
        "root": 2,
        "hive": "HKEY_LOCAL_MACHINE",
        "upgrade_code": "{d913cb4c-0ce7-4035-89cc-67780ee2fc37}",
        "product_name": "Safer Chat",
        "install_dir": r"C:\Program Files\Safer Chat",
    },
    "per_user": {
        "msi": "saferchat-%s-x64-user.msi",
        "root": 1,
        "hive": "HKEY_CURRENT_USER",
        "upgrade_code": "{c7ba055b-f7e4-4361-8b2a-16efe100f276}",
        "product_name": "Safer Chat (for this user)",
        "install_dir": None,  # %LOCALAPPDATA%\Programs\Safer Chat: asked from Wine
    },
}

# The native messaging keys: key -> the file (table File) its default value names.
NATIVE_MESSAGING_KEYS = {
    r"SOFTWARE\Google\Chrome\NativeMessagingHosts\be.saferchat.host": "ChromiumManifest",
    r"SOFTWARE\Chromium\NativeMessagingHosts\be.saferchat.host": "ChromiumManifest",
    r"SOFTWARE\Microsoft\Edge\NativeMessagingHosts\be.saferchat.host": "ChromiumManifest",
    r"SOFTWARE\Mozilla\NativeMessagingHosts\be.saferchat.host": "FirefoxManifest",
}
MANIFEST_FILES = {
    "ChromiumManifest": "be.saferchat.host.chromium.json",
    "FirefoxManifest": "be.saferchat.host.firefox.json",
}
POLICY_KEYS = [
    r"SOFTWARE\Policies\Google\Chrome\ExtensionInstallForcelist",
    r"SOFTWARE\Policies\Microsoft\Edge\ExtensionInstallForcelist",
    r"SOFTWARE\Policies\Mozilla\Firefox\Extensions\Install",
    r"SOFTWARE\Policies\Mozilla\Firefox\Extensions\Locked",
]


def run(args, **kwargs):
    # A step that hangs (a Wine program waiting for something) fails the test with its name
    # rather than running into ctest's timeout.
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=180,
                          **kwargs)


def msi_path(variant):
    return os.path.join(MSI_DIR, VARIANTS[variant]["msi"] % VERSION)


def export_table(msi, table):
    """The rows of TABLE (msiinfo export: three header lines, then tab-separated rows)."""
    result = run(["msiinfo", "export", msi, table])
    if result.returncode != 0:
        raise AssertionError(f"msiinfo export {msi} {table}: {result.stderr}")
    lines = result.stdout.replace("\r\n", "\n").split("\n")[3:]
    return [tuple(line.split("\t")) for line in lines if line]


def expected_registry_rows(variant):
    """(Root, Key, Name, Value, Component) of every registry row the MSI must have."""
    root = VARIANTS[variant]["root"]
    rows = [(str(root), key, "", f"[#{file_id}]", "NativeMessagingHosts")
            for key, file_id in NATIVE_MESSAGING_KEYS.items()]
    rows += [
        (str(root), POLICY_KEYS[0], "1", f"{CHROMIUM_IDS[0]};[SAFERCHAT_CHROME_UPDATE_URL]",
         "ExtensionPolicy"),
        (str(root), POLICY_KEYS[1], "1", f"{CHROMIUM_IDS[0]};[SAFERCHAT_EDGE_UPDATE_URL]",
         "ExtensionPolicy"),
        (str(root), POLICY_KEYS[2], "1", "[SAFERCHAT_FIREFOX_INSTALL_URL]", "ExtensionPolicy"),
        (str(root), POLICY_KEYS[3], "1", FIREFOX_IDS[0], "ExtensionPolicy"),
    ]
    if variant == "per_user":
        # Key paths of the per-user components (their files live in the user's profile).
        rows += [
            ("1", r"Software\Safer Chat", "Host", "[#HostExe]", "Host"),
            ("1", r"Software\Safer Chat", "Pinentry", "[#PinentryExe]", "Pinentry"),
            ("1", r"Software\Safer Chat", "Manifests", "[INSTALLDIR]", "Manifests"),
            ("1", r"Software\Safer Chat", "ProgramsFolder", "[UserProgramsDir]",
             "UserProgramsDir"),
        ]
    return sorted(rows)


def manifest_text(family):
    """The manifest the MSI must carry: the template with this build's IDs and the host named
    relative to the manifest (saferchat-host.exe beside it)."""
    with open(os.path.join(SOURCE_DIR, "manifests", f"{HOST_NAME}.{family}.json.in"),
              encoding="utf-8") as template:
        text = template.read()
    origins = ", ".join(f'"chrome-extension://{i}/"' for i in CHROMIUM_IDS)
    extensions = ", ".join(f'"{i}"' for i in FIREFOX_IDS)
    return (text.replace("@SAFERCHAT_HOST_PATH@", "saferchat-host.exe")
            .replace("@SAFERCHAT_ALLOWED_ORIGINS@", origins)
            .replace("@SAFERCHAT_ALLOWED_EXTENSIONS@", extensions))


def file_content(path):
    """PATH's bytes; for a Windows program without the PE header's TimeDateStamp and CheckSum,
    which strip sets anew each time it writes a program (PE/COFF: file header + 4, optional
    header + 64)."""
    with open(path, "rb") as file:
        data = bytearray(file.read())
    if path.endswith(".exe"):
        pe = struct.unpack_from("<I", data, 0x3C)[0]
        if data[pe:pe + 4] != b"PE\0\0":
            raise AssertionError(f"{path}: not a PE file")
        data[pe + 8:pe + 12] = bytes(4)
        data[pe + 24 + 64:pe + 24 + 68] = bytes(4)
    return bytes(data)


def stripped_copy(program, folder):
    """PROGRAM without debug information, as make-msi puts it into the MSI."""
    copy = os.path.join(folder, "stripped-" + os.path.basename(program))
    shutil.copyfile(program, copy)
    subprocess.run([STRIP, "--strip-debug", copy], check=True)
    return copy


def wine(*args):
    return run(["wine", *args])


def reg_query(keys):
    """{key: {name: (type, data)}} for each of KEYS (name '' for the default value; None for a
    key that does not exist), read by Wine's reg in one Wine start (a batch file: Wine's start
    costs about a second on a loaded machine). reg prints '    NAME    TYPE    DATA' lines."""
    with tempfile.NamedTemporaryFile("w", suffix=".cmd", delete=False, encoding="utf-8") as batch:
        batch.write("@echo off\r\n")
        for index, key in enumerate(keys):
            batch.write(f'echo ==key {index}\r\nreg query "{key}"\r\n'
                        f"echo ==status {index} %errorlevel%\r\n")
    try:
        result = wine("cmd", "/c", "Z:" + batch.name.replace("/", "\\"))
    finally:
        os.unlink(batch.name)
    found = {}
    index = None
    for line in result.stdout.replace("\r\n", "\n").split("\n"):
        if line.startswith("==key "):
            index = int(line[6:])
            found[keys[index]] = {}
        elif line.startswith("==status "):
            number, status = line[9:].split(" ")
            if status != "0":
                found[keys[int(number)]] = None
        elif index is not None:
            match = re.match(r"^    (.*?)    (REG_\w+)    (.*)$", line)
            if match:
                name = "" if match.group(1) == "(Default)" else match.group(1)
                found[keys[index]][name] = (match.group(2), match.group(3))
    if sorted(found) != sorted(keys):
        raise AssertionError(f"wine reg query: {result.stdout}{result.stderr}")
    return found


def unix_path(windows_path):
    """The file behind a C:\\... path in the prefix (what winepath -u says, without a Wine
    start)."""
    drive, rest = windows_path[:2].lower(), windows_path[2:].replace("\\", "/").lstrip("/")
    return os.path.join(os.environ["WINEPREFIX"], "dosdevices", drive, rest)


class MsiTablesTest(unittest.TestCase):
    """The MSIs' tables, row by row, and their files, byte by byte."""

    def setUp(self):
        self.temp = tempfile.mkdtemp(prefix="saferchat-msi-")
        self.addCleanup(shutil.rmtree, self.temp)

    def test_registry_rows(self):
        for variant in VARIANTS:
            with self.subTest(variant=variant):
                rows = export_table(msi_path(variant), "Registry")
                for row in rows:
                    self.assertRegex(row[0], r"^reg[0-9A-F]{32}$")
                self.assertEqual(sorted(row[1:] for row in rows), expected_registry_rows(variant))

    def test_component_rows(self):
        # Attributes: 256 = 64-bit component; + 4 = its key path is a registry value.
        for variant in VARIANTS:
            with self.subTest(variant=variant):
                rows = export_table(msi_path(variant), "Component")
                registry = {row[2]: row[0] for row in export_table(msi_path(variant), "Registry")}
                native = registry[r"SOFTWARE\Google\Chrome\NativeMessagingHosts\be.saferchat.host"]
                policy = registry[POLICY_KEYS[0]]
                if variant == "per_machine":
                    expected = [
                        ("ExtensionPolicy", "INSTALLDIR", "260", "", policy),
                        ("Host", "INSTALLDIR", "256", "", "HostExe"),
                        ("Manifests", "INSTALLDIR", "256", "", "ChromiumManifest"),
                        ("NativeMessagingHosts", "INSTALLDIR", "260", "", native),
                        ("Pinentry", "INSTALLDIR", "256", "", "PinentryExe"),
                    ]
                else:
                    named = {row[3]: row[0] for row in export_table(msi_path(variant), "Registry")
                             if row[2] == r"Software\Safer Chat"}
                    expected = [
                        ("ExtensionPolicy", "INSTALLDIR", "260", "", policy),
                        ("Host", "INSTALLDIR", "260", "", named["Host"]),
                        ("Manifests", "INSTALLDIR", "260", "", named["Manifests"]),
                        ("NativeMessagingHosts", "INSTALLDIR", "260", "", native),
                        ("Pinentry", "INSTALLDIR", "260", "", named["Pinentry"]),
                        ("UserProgramsDir", "UserProgramsDir", "260", "",
                         named["ProgramsFolder"]),
                    ]
                for row in rows:
                    self.assertRegex(row[1], r"^\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}$")
                self.assertEqual(sorted((r[0],) + r[2:] for r in rows), expected)

    def test_file_rows_and_contents(self):
        host = stripped_copy(HOST_EXE, self.temp)
        pinentry = stripped_copy(PINENTRY_EXE, self.temp)
        manifests = {f: os.path.join(MANIFEST_DIR, name) for f, name in MANIFEST_FILES.items()}
        sources = {"HostExe": host, "PinentryExe": pinentry, **manifests}
        for variant in VARIANTS:
            with self.subTest(variant=variant):
                rows = export_table(msi_path(variant), "File")
                # File, Component_, FileName, FileSize, Version, Language, Attributes, Sequence
                self.assertEqual(rows, [
                    ("HostExe", "Host", "saferchat-host.exe", str(os.path.getsize(host)),
                     "", "", "512", "1"),
                    ("PinentryExe", "Pinentry", "saferchat-pinentry.exe",
                     str(os.path.getsize(pinentry)), "", "", "512", "2"),
                    ("ChromiumManifest", "Manifests", MANIFEST_FILES["ChromiumManifest"],
                     str(os.path.getsize(manifests["ChromiumManifest"])), "", "", "512", "3"),
                    ("FirefoxManifest", "Manifests", MANIFEST_FILES["FirefoxManifest"],
                     str(os.path.getsize(manifests["FirefoxManifest"])), "", "", "512", "4"),
                ])
                out = os.path.join(self.temp, variant)
                os.mkdir(out)
                subprocess.run(["msiextract", "-C", out, msi_path(variant)], check=True,
                               capture_output=True)
                extracted = {}
                for folder, _, files in os.walk(out):
                    for name in files:
                        extracted[name] = os.path.join(folder, name)
                self.assertEqual(sorted(extracted), sorted(
                    ["saferchat-host.exe", "saferchat-pinentry.exe", *MANIFEST_FILES.values()]))
                names = {"HostExe": "saferchat-host.exe", "PinentryExe": "saferchat-pinentry.exe",
                         **MANIFEST_FILES}
                for file_id, source in sources.items():
                    self.assertEqual(file_content(extracted[names[file_id]]),
                                     file_content(source), file_id)

    def test_manifests(self):
        for file_id, name in MANIFEST_FILES.items():
            family = "chromium" if file_id == "ChromiumManifest" else "firefox"
            with open(os.path.join(MANIFEST_DIR, name), encoding="utf-8") as manifest:
                text = manifest.read()
            self.assertEqual(text, manifest_text(family))
            data = json.loads(text)
            keys = ["name", "description", "path", "type",
                    "allowed_origins" if family == "chromium" else "allowed_extensions"]
            self.assertEqual(list(data), keys)
            self.assertEqual(data["name"], HOST_NAME)
            self.assertEqual(data["description"], DESCRIPTION)
            self.assertEqual(data["path"], "saferchat-host.exe")
            if family == "chromium":
                self.assertEqual(data["allowed_origins"],
                                 [f"chrome-extension://{i}/" for i in CHROMIUM_IDS])
            else:
                self.assertEqual(data["allowed_extensions"], FIREFOX_IDS)

    def test_scripts_pass_shellcheck(self):
        result = run(["shellcheck", MAKE_MSI, SIGN])
        self.assertEqual(result.returncode, 0, result.stdout)

    def test_product_and_upgrade(self):
        for variant, info in VARIANTS.items():
            with self.subTest(variant=variant):
                properties = dict(row[:2] for row in export_table(msi_path(variant), "Property"))
                self.assertEqual(properties["ProductVersion"], VERSION)
                self.assertEqual(properties["ProductName"], info["product_name"])
                self.assertEqual(properties["Manufacturer"], "Safer Chat")
                self.assertEqual(properties["UpgradeCode"], info["upgrade_code"])
                self.assertEqual(properties["SAFERCHAT_CHROME_UPDATE_URL"], CHROME_UPDATE_URL)
                self.assertEqual(properties["SAFERCHAT_EDGE_UPDATE_URL"], CHROME_UPDATE_URL)
                self.assertEqual(properties["SAFERCHAT_FIREFOX_INSTALL_URL"], FIREFOX_INSTALL_URL)
                self.assertNotIn("SAFERCHAT_EXTENSION_POLICY", properties)
                # Older versions are removed; a newer one installed stops this one.
                upgrade = sorted(export_table(msi_path(variant), "Upgrade"))
                code = info["upgrade_code"].upper()
                self.assertEqual(upgrade, [
                    (code, "", VERSION, "", "1", "", "WIX_UPGRADE_DETECTED"),
                    (code, VERSION, "", "", "2", "", "WIX_DOWNGRADE_DETECTED"),
                ])
                # The policy feature is above the default install level (1); the property
                # raises the level.
                features = sorted((r[0], r[5]) for r in export_table(msi_path(variant), "Feature"))
                self.assertEqual(features, [("ExtensionPolicy", "100"), ("Host", "1")])
                actions = export_table(msi_path(variant), "CustomAction")
                # Type 51 (set a property) + 2048 (wixl's no-impersonate flag, unused by type 51).
                self.assertEqual(actions,
                                 [("SaferChatPolicyLevel", "2099", "INSTALLLEVEL", "100", "")])
                for table in ("InstallExecuteSequence", "InstallUISequence"):
                    rows = {r[0]: r for r in export_table(msi_path(variant), table)}
                    self.assertEqual(rows["SaferChatPolicyLevel"][1],
                                     'SAFERCHAT_EXTENSION_POLICY = "1"')
                    self.assertLess(int(rows["SaferChatPolicyLevel"][2]),
                                    int(rows["CostFinalize"][2]))


class InstallTest(unittest.TestCase):
    """Each MSI installed and uninstalled with Wine's msiexec in the build tree's prefix."""

    @classmethod
    def setUpClass(cls):
        # One Wine session for all the steps: a cmd waiting on its input keeps Wine's services
        # running, so each msiexec or reg start costs under a second instead of several.
        # The session starts Wine's services: they must not inherit the output pipes of a step
        # (its output would never end), so the steps wait until the session has answered.
        cls.session = subprocess.Popen(["wine", "cmd"], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        cls.session.stdin.write(b"echo saferchat-session-ready\r\n")
        cls.session.stdin.flush()
        output = b""
        deadline = time.monotonic() + 120
        # The answer follows cmd's prompt: "Z:\\...>saferchat-session-ready".
        while b"saferchat-session-ready" not in output:
            ready, _, _ = select.select([cls.session.stdout], [], [],
                                        max(0.0, deadline - time.monotonic()))
            chunk = os.read(cls.session.stdout.fileno(), 4096) if ready else b""
            if not chunk:
                cls.session.kill()
                raise AssertionError(f"the Wine session (wine cmd) did not answer: {output!r}")
            output += chunk

    @classmethod
    def tearDownClass(cls):
        cls.session.stdin.close()  # cmd ends at the end of its input
        cls.session.wait(timeout=60)

    def msiexec(self, *args):
        result = wine("msiexec", *args)
        self.assertEqual(result.returncode, 0, f"msiexec {args}: {result.stdout}{result.stderr}")

    def check_installed(self, variant, policy):
        hive = VARIANTS[variant]["hive"]
        install_dir = VARIANTS[variant]["install_dir"]
        if install_dir is None:
            local = wine("cmd", "/c", "echo %LOCALAPPDATA%").stdout.strip()
            self.assertRegex(local, r"^C:\\users\\[^\\]+\\AppData\\Local$")
            install_dir = local + r"\Programs\Safer Chat"
        keys = [f"{hive}\\{key}" for key in [*NATIVE_MESSAGING_KEYS, *POLICY_KEYS]]
        values = reg_query(keys)
        for key, file_id in NATIVE_MESSAGING_KEYS.items():
            manifest_windows = f"{install_dir}\\{MANIFEST_FILES[file_id]}"
            self.assertEqual(values[f"{hive}\\{key}"], {"": ("REG_SZ", manifest_windows)}, key)
            # The registered manifest names the installed host, which is there.
            with open(unix_path(manifest_windows), encoding="utf-8") as file:
                data = json.load(file)
            self.assertEqual(data["name"], HOST_NAME)
            self.assertEqual(data["path"], "saferchat-host.exe")
            host = ntpath.join(ntpath.dirname(manifest_windows), data["path"])
            self.assertEqual(host, f"{install_dir}\\saferchat-host.exe")
            self.assertTrue(os.path.isfile(unix_path(host)), host)
        self.assertEqual(sorted(os.listdir(unix_path(install_dir))), sorted(
            ["saferchat-host.exe", "saferchat-pinentry.exe", *MANIFEST_FILES.values()]))
        policies = [values[f"{hive}\\{key}"] for key in POLICY_KEYS]
        if policy:
            self.assertEqual(policies, [
                {"1": ("REG_SZ", f"{CHROMIUM_IDS[0]};{CHROME_UPDATE_URL}")},
                {"1": ("REG_SZ", f"{CHROMIUM_IDS[0]};{CHROME_UPDATE_URL}")},
                {"1": ("REG_SZ", FIREFOX_INSTALL_URL)},
                {"1": ("REG_SZ", FIREFOX_IDS[0])},
            ])
        else:
            self.assertEqual(policies, [None] * len(POLICY_KEYS))
        return install_dir

    def check_removed(self, variant, install_dir):
        hive = VARIANTS[variant]["hive"]
        keys = [f"{hive}\\{key}" for key in [*NATIVE_MESSAGING_KEYS, *POLICY_KEYS]]
        keys.append(r"HKEY_CURRENT_USER\Software\Safer Chat")
        self.assertEqual(reg_query(keys), {key: None for key in keys})
        self.assertFalse(os.path.exists(unix_path(install_dir)), install_dir)

    def install_and_remove(self, variant, policy, again):
        msi = msi_path(variant)
        # A run that failed half-way may have left it installed (each msiexec start costs
        # seconds under Wine: only then).
        if VARIANTS[variant]["install_dir"] is not None and os.path.exists(
                unix_path(VARIANTS[variant]["install_dir"])):
            wine("msiexec", "/x", msi, "/qn")
        self.msiexec("/i", msi, "/qn", *(["SAFERCHAT_EXTENSION_POLICY=1"] if policy else []))
        # If a check fails, the package goes anyway (the prefix is shared with later runs).
        self.addCleanup(self.remove_if_installed, msi)
        install_dir = self.check_installed(variant, policy)
        if again:
            # The same MSI again (a parent double-clicking it twice): the same product, so
            # nothing changes.
            self.msiexec("/i", msi, "/qn")
            self.check_installed(variant, policy)
        self.msiexec("/x", msi, "/qn")
        self.check_removed(variant, install_dir)

    def remove_if_installed(self, msi):
        if os.path.exists(msi):
            subprocess.run(["wine", "msiexec", "/x", msi, "/qn"], check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def registered_products(self, name):
        """The DisplayVersion of each product called NAME in Windows' list of installed programs
        (Settings → Apps), both hives."""
        versions = []
        for hive in ("HKEY_CURRENT_USER", "HKEY_LOCAL_MACHINE"):
            result = wine("reg", "query",
                          f"{hive}\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall", "/s")
            entries = result.stdout.replace("\r\n", "\n").split("\n\n")
            for entry in entries:
                if re.search(r"^    DisplayName    REG_SZ    " + re.escape(name) + "$", entry,
                             re.MULTILINE):
                    versions += re.findall(r"^    DisplayVersion    REG_SZ    (.*)$", entry,
                                           re.MULTILINE)
        return versions

    def test_upgrade_and_downgrade(self):
        # A newer version (made here from the same programs) replaces the installed one; the
        # older one then refuses to install; uninstalling the newer leaves nothing.
        major, minor, patch = VERSION.split(".")
        newer = f"{major}.{minor}.{int(patch) + 1}"
        name = VARIANTS["per_user"]["product_name"]
        out = tempfile.mkdtemp(prefix="saferchat-msi-")
        self.addCleanup(shutil.rmtree, out)  # after the uninstalls below (cleanups run last first)
        built = run([MAKE_MSI, "--version", newer, "--host", HOST_EXE, "--pinentry",
                     PINENTRY_EXE, "--manifests", MANIFEST_DIR, "--chromium-id",
                     CHROMIUM_IDS[0], "--firefox-id", FIREFOX_IDS[0], "--out", out,
                     "--strip", STRIP])
        self.assertEqual(built.returncode, 0, built.stderr)
        newer_msi = os.path.join(out, VARIANTS["per_user"]["msi"] % newer)
        self.msiexec("/i", msi_path("per_user"), "/qn")
        self.addCleanup(self.remove_if_installed, newer_msi)
        self.addCleanup(self.remove_if_installed, msi_path("per_user"))
        self.assertEqual(self.registered_products(name), [VERSION])
        self.msiexec("/i", newer_msi, "/qn")
        self.assertEqual(self.registered_products(name), [newer])
        install_dir = self.check_installed("per_user", policy=False)
        older = wine("msiexec", "/i", msi_path("per_user"), "/qn")
        self.assertNotEqual(older.returncode, 0)
        self.assertEqual(self.registered_products(name), [newer])
        self.msiexec("/x", newer_msi, "/qn")
        self.assertEqual(self.registered_products(name), [])
        self.check_removed("per_user", install_dir)

    def test_per_machine(self):
        self.install_and_remove("per_machine", policy=False, again=True)

    def test_per_user_with_extension_policy(self):
        self.install_and_remove("per_user", policy=True, again=False)


class SigningTest(unittest.TestCase):
    """saferchat-sign and make-msi --pkcs12 with a throwaway code-signing certificate."""

    def setUp(self):
        self.temp = tempfile.mkdtemp(prefix="saferchat-sign-")
        self.addCleanup(shutil.rmtree, self.temp)
        self.cert = self.make_certificate("Safer Chat test signer (test only)", "signer")

    def make_certificate(self, subject, name):
        key = os.path.join(self.temp, f"{name}.key")
        cert = os.path.join(self.temp, f"{name}.pem")
        pfx = os.path.join(self.temp, f"{name}.pfx")
        password = os.path.join(self.temp, f"{name}.password")
        with open(password, "w", encoding="utf-8") as file:
            file.write("test-only password\n")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:3072", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", f"/CN={subject}/O=Safer Chat",
                        "-addext", "extendedKeyUsage=codeSigning",
                        "-addext", "keyUsage=critical,digitalSignature"],
                       check=True, capture_output=True)
        subprocess.run(["openssl", "pkcs12", "-export", "-inkey", key, "-in", cert, "-out", pfx,
                        "-passout", "pass:test-only password"], check=True, capture_output=True)
        return {"pem": cert, "pfx": pfx, "password": password}

    def verify(self, file, cert):
        return run(["osslsigncode", "verify", "-in", file, "-CAfile", cert["pem"]])

    def test_signed_msis_and_programs(self):
        out = os.path.join(self.temp, "out")
        result = run([MAKE_MSI, "--version", VERSION, "--host", HOST_EXE, "--pinentry",
                      PINENTRY_EXE, "--manifests", MANIFEST_DIR, "--chromium-id", CHROMIUM_IDS[0],
                      "--firefox-id", FIREFOX_IDS[0], "--out", out, "--strip", STRIP,
                      "--pkcs12", self.cert["pfx"], "--password-file", self.cert["password"]])
        self.assertEqual(result.returncode, 0, result.stderr)
        other = self.make_certificate("Someone else (test only)", "other")
        for variant in VARIANTS:
            with self.subTest(variant=variant):
                msi = os.path.join(out, VARIANTS[variant]["msi"] % VERSION)
                verified = self.verify(msi, self.cert)
                self.assertEqual(verified.returncode, 0, verified.stdout + verified.stderr)
                self.assertIn("Signature verification: ok", verified.stdout)
                self.assertIn("Safer Chat test signer (test only)", verified.stdout)
                # Another certificate does not vouch for it.
                self.assertNotEqual(self.verify(msi, other).returncode, 0)
                # The programs inside are signed too.
                files = os.path.join(self.temp, variant)
                subprocess.run(["msiextract", "-C", files, msi], check=True, capture_output=True)
                for folder, _, names in os.walk(files):
                    for name in names:
                        if name.endswith(".exe"):
                            verified = self.verify(os.path.join(folder, name), self.cert)
                            self.assertEqual(verified.returncode, 0, name + verified.stdout)
        # An unsigned MSI (what the build makes without a certificate) does not verify.
        self.assertNotEqual(self.verify(msi_path("per_machine"), self.cert).returncode, 0)

    def test_a_changed_msi_fails_verification(self):
        msi = os.path.join(self.temp, "copy.msi")
        shutil.copyfile(msi_path("per_user"), msi)
        result = run([SIGN, "--pkcs12", self.cert["pfx"], "--password-file", self.cert["password"],
                      msi])
        self.assertEqual((result.returncode, result.stdout), (0, f"signed {msi}\n"))
        self.assertEqual(self.verify(msi, self.cert).returncode, 0)
        with open(msi, "r+b") as file:  # one byte of the embedded cabinet
            file.seek(os.path.getsize(msi) // 2)
            byte = file.read(1)
            file.seek(-1, os.SEEK_CUR)
            file.write(bytes([byte[0] ^ 0xFF]))
        self.assertNotEqual(self.verify(msi, self.cert).returncode, 0)

    def test_refusals(self):
        msi = os.path.join(self.temp, "copy.msi")
        shutil.copyfile(msi_path("per_user"), msi)
        with open(msi, "rb") as file:
            before = file.read()
        wrong = os.path.join(self.temp, "wrong.password")
        with open(wrong, "w", encoding="utf-8") as file:
            file.write("not the password\n")
        cases = [
            ([SIGN, "--pkcs12", self.cert["pfx"], "--password-file", wrong, msi], 1,
             f"saferchat-sign: error: osslsigncode could not sign {msi}\n"),
            ([SIGN, "--password-file", self.cert["password"], msi], 2,
             "saferchat-sign: error: --pkcs12 FILE is needed\n"),
            ([SIGN, "--pkcs12", self.cert["pfx"], "--password-file", self.cert["password"],
              self.cert["pem"]], 2, f"saferchat-sign: error: not an .exe or .msi: {self.cert['pem']}\n"),
            ([SIGN, "--pkcs12", self.cert["pfx"] + ".missing", "--password-file",
              self.cert["password"], msi], 2,
             f"saferchat-sign: error: no such certificate file: {self.cert['pfx']}.missing\n"),
        ]
        for args, status, message in cases:
            with self.subTest(args=args[1:]):
                result = run(args)
                self.assertEqual(result.returncode, status, result.stderr)
                self.assertTrue(result.stderr.endswith(message), result.stderr)
                with open(msi, "rb") as file:
                    self.assertEqual(file.read(), before)  # unchanged
                self.assertEqual(sorted(os.listdir(self.temp)), sorted(
                    ["copy.msi", "wrong.password", "signer.key", "signer.pem", "signer.pfx",
                     "signer.password"]))


if __name__ == "__main__":
    unittest.main()
