#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""clang-tidy with a result cache (scripts/test.sh, stage "clang-tidy").

A file is checked again only when what clang-tidy would see changed. The key of a file is a
SHA-256 of: the preprocessed translation unit (the file and every header it includes, from its
own compile command with -E -P), its compile flags, .clang-tidy, and the clang-tidy and compiler
versions. The source folder's path is replaced by a placeholder before hashing, so a fresh clone
in another folder hits the results an earlier clone stored. Only clean results are stored (in
$XDG_CACHE_HOME/saferchat/clang-tidy, by default ~/.cache/saferchat/clang-tidy, beside ccache's
cache): a file with findings is checked, and reported, on every run.

Usage: clang_tidy_cached.py -p BUILD_DIR [-j JOBS] FILE...
Prints the findings of failing files and one line "clang-tidy: N files clean (H cached, C
checked)"; exits 1 if any file has findings.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import shlex
import subprocess
import sys

KEY_VERSION = b"saferchat-clang-tidy-cache 1\n"


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "saferchat", "clang-tidy")


def tool_version(command):
    result = subprocess.run(command, capture_output=True, check=False)
    return result.stdout + result.stderr


def preprocess_command(arguments):
    """The compile command turned into "preprocess to stdout, no line markers"."""
    out = []
    skip_next = False
    for arg in arguments:
        if skip_next:
            skip_next = False
            continue
        if arg in ("-o", "-MF", "-MT", "-MQ"):
            skip_next = True
            continue
        if arg in ("-c", "-MD", "-MMD"):
            continue
        out.append(arg)
    return out + ["-E", "-P", "-o", "-"]


def normalise(data, root):
    return data.replace(root.encode(), b"<root>")


def file_key(entry, root, fixed):
    arguments = entry.get("arguments") or shlex.split(entry["command"])
    result = subprocess.run(preprocess_command(arguments), cwd=entry["directory"],
                            capture_output=True, check=False)
    if result.returncode != 0:
        return None  # clang-tidy will report the problem
    digest = hashlib.sha256(fixed)
    flags = [a for a in arguments if a.startswith("-") and not a.startswith(("-o", "-M"))]
    digest.update(normalise("\0".join(flags).encode(), root))
    digest.update(b"\0" + normalise(os.path.abspath(entry["file"]).encode(), root) + b"\0")
    digest.update(normalise(result.stdout, root))
    return digest.hexdigest()


def check(path, entry, build_dir, root, fixed, store):
    key = file_key(entry, root, fixed) if entry else None
    marker = os.path.join(store, key[:2], key) if key else None
    if marker and os.path.exists(marker):
        return path, "cached", ""
    result = subprocess.run(["clang-tidy", "-p", build_dir, "--quiet", path],
                            capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    findings = result.returncode != 0 or " warning: " in output or " error: " in output
    if findings:
        return path, "failed", output
    if marker:
        os.makedirs(os.path.dirname(marker), exist_ok=True)
        with open(marker, "w", encoding="utf-8") as f:
            f.write(path + "\n")
    return path, "checked", ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-p", dest="build_dir", required=True)
    parser.add_argument("-j", dest="jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()

    root = os.getcwd()
    with open(os.path.join(args.build_dir, "compile_commands.json"), encoding="utf-8") as f:
        entries = {os.path.abspath(os.path.join(e["directory"], e["file"])): e for e in json.load(f)}
    with open(os.path.join(root, ".clang-tidy"), "rb") as f:
        config = f.read()
    compiler = next(iter(entries.values()))
    compiler = (compiler.get("arguments") or shlex.split(compiler["command"]))[0]
    fixed = (KEY_VERSION + tool_version(["clang-tidy", "--version"]) +
             tool_version([compiler, "--version"]) + config)
    store = cache_dir()

    counts = {"cached": 0, "checked": 0, "failed": 0}
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(check, path, entries.get(os.path.abspath(path)), args.build_dir,
                               root, fixed, store) for path in args.files]
        for future in concurrent.futures.as_completed(futures):
            path, outcome, output = future.result()
            counts[outcome] += 1
            if output:
                sys.stdout.write(f"--- {path}\n{output}")
    if counts["failed"]:
        print(f"clang-tidy: {counts['failed']} of {len(args.files)} files have findings")
        return 1
    print(f"clang-tidy: {len(args.files)} files clean ({counts['cached']} cached, "
          f"{counts['checked']} checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
