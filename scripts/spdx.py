#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every source file of Safer Chat says its licence in an SPDX line near its top.

    python3 scripts/spdx.py          check: lists each file without the line, exit 1 if any
    python3 scripts/spdx.py --fix    adds the line where it is missing

Source files: C++ (.cpp .hpp .h and their .in templates), JavaScript (.js .mjs .cjs, .d.ts
declarations), shell (.sh, and scripts whose first line runs sh or bash), Python (.py), CMake
(CMakeLists.txt, .cmake). The line must be within the first 3 lines (after a #! line and, in
generated-file templates, nothing else). Data (JSON, corpora, certificates) has no comments.
"""
import os
import subprocess
import sys

IDENTIFIER = "SPDX-License-Identifier: Apache-2.0"
SLASH = ("// ", (".cpp", ".hpp", ".h", ".cpp.in", ".hpp.in", ".h.in", ".js", ".mjs", ".cjs",
                 ".ts", ".mts"))
HASH = ("# ", (".sh", ".py", ".cmake", ".cmake.in"))
# Third-party or generated trees that are not ours.
SKIP_PREFIXES = ("node_modules/", "build/")


def source_files(root):
    try:
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=root,
                                check=True, capture_output=True, text=True).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        listed = [os.path.relpath(os.path.join(d, f), root)
                  for d, _, files in os.walk(root) for f in files]
    for path in sorted(set(listed)):
        if path.startswith(SKIP_PREFIXES) or "/corpus/" in path or not os.path.isfile(
                os.path.join(root, path)):
            continue
        style = comment_style(root, path)
        if style:
            yield path, style


def comment_style(root, path):
    name = os.path.basename(path)
    if name == "CMakeLists.txt":
        return HASH[0]
    for prefix, suffixes in (SLASH, HASH):
        if name.endswith(suffixes):
            return prefix
    if "." not in name:
        with open(os.path.join(root, path), "rb") as f:
            first = f.readline()
        if first.startswith(b"#!") and (b"sh" in first.split(b"/")[-1] or b"bash" in first):
            return HASH[0]
    return None


def has_line(lines):
    return any(IDENTIFIER in line for line in lines[:3])


def fix(path, prefix):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines(keepends=True)
    at = 1 if lines and lines[0].startswith("#!") else 0
    lines.insert(at, prefix + IDENTIFIER + "\n")
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(lines)


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    fixing = argv[1:] == ["--fix"]
    if argv[1:] and not fixing:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    missing = []
    count = 0
    for path, prefix in source_files(root):
        count += 1
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            head = [f.readline() for _ in range(3)]
        if not has_line(head):
            if fixing:
                fix(os.path.join(root, path), prefix)
            missing.append(path)
    if fixing:
        print(f"spdx: added the line to {len(missing)} of {count} files")
        return 0
    for path in missing:
        print(f"{path}: no '{IDENTIFIER}' line in its first 3 lines", file=sys.stderr)
    print(f"spdx: {count - len(missing)} of {count} source files carry the licence line")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
