#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns the Public Suffix List (publicsuffix.org, public_suffix_list.dat as Debian's
`publicsuffix` package installs it) into a C++ source for ui/public_suffix.cpp: every rule of
both sections (ICANN and PRIVATE, as browsers use them), each label in its ASCII form (IDNA,
"xn--…", as origins carry host names), sorted, in one string with a length byte before each
rule: the data needs no relocation, and the host indexes it once for a binary search.

Usage: generate_public_suffix_list.py <public_suffix_list.dat> <output.cpp>
"""
import sys


def ascii_rule(rule):
    """The rule with each label in ASCII form; '!' and '*' kept (publicsuffix.org, "Format")."""
    exception = rule.startswith("!")
    labels = (rule[1:] if exception else rule).split(".")
    out = []
    for label in labels:
        if label == "*":
            out.append(label)
        else:
            out.append(label.encode("idna").decode("ascii").lower())
    return ("!" if exception else "") + ".".join(out)


def main():
    source, output = sys.argv[1], sys.argv[2]
    rules = set()
    with open(source, encoding="utf-8") as list_file:
        for line in list_file:
            # "Each line is only read up to the first whitespace"; "//" starts a comment line.
            line = line.strip()
            if not line or line.startswith("//"):
                continue
            rule = ascii_rule(line.split()[0])
            if not 0 < len(rule) < 256:
                sys.exit(f"generate_public_suffix_list.py: rule of {len(rule)} bytes: {rule[:40]}")
            rules.add(rule)
    if len(rules) < 1000:
        sys.exit(f"generate_public_suffix_list.py: only {len(rules)} rules in {source}")
    ordered = sorted(rules)
    blob = bytearray()
    for rule in ordered:
        blob.append(len(rule))
        blob += rule.encode("ascii")

    def escaped(data):
        return "".join(chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\?' else f"\\{b:03o}"
                       for b in data)

    lines = [
        "// SPDX-License-Identifier: Apache-2.0",
        "// Generated at build time by host/ui/generate_public_suffix_list.py from the Public",
        "// Suffix List (publicsuffix.org, Mozilla Public License 2.0): do not edit.",
        '#include "ui/public_suffix_data.hpp"',
        "",
        "namespace saferchat::public_suffix_data {",
        "",
        f"const std::size_t rule_count = {len(ordered)};",
        "",
        "// Each rule: its length (one byte), then its bytes; sorted by bytes.",
        "const std::string_view rules{",
    ]
    chunk = 96
    data = escaped(blob)
    # Split only between escapes, never inside one.
    pieces, current = [], ""
    i = 0
    while i < len(data):
        step = 4 if data[i] == "\\" else 1
        current += data[i:i + step]
        i += step
        if len(current) >= chunk:
            pieces.append(current)
            current = ""
    if current:
        pieces.append(current)
    lines += [f'    "{piece}"' for piece in pieces]
    lines[-1] += ","
    lines.append(f"    {len(blob)}}};")
    lines += ["", "}  // namespace saferchat::public_suffix_data", ""]
    with open(output, "w", encoding="ascii") as out:
        out.write("\n".join(lines))


if __name__ == "__main__":
    main()
