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
    # Blocks of whole rules, each one string literal under 64 KiB (the longest literal C++
    # compilers must support; clang warns beyond it).
    blocks = [bytearray()]
    for rule in ordered:
        if len(blocks[-1]) + 1 + len(rule) > 60000:
            blocks.append(bytearray())
        blocks[-1].append(len(rule))
        blocks[-1] += rule.encode("ascii")

    def escaped(data):
        return "".join(chr(b) if 0x20 <= b < 0x7F and chr(b) not in '"\\?' else f"\\{b:03o}"
                       for b in data)

    def literal_lines(data):
        """The literal in lines of about 96 characters, never splitting an escape."""
        text, pieces, current, i = escaped(data), [], "", 0
        while i < len(text):
            step = 4 if text[i] == "\\" else 1
            current += text[i:i + step]
            i += step
            if len(current) >= 96:
                pieces.append(current)
                current = ""
        if current:
            pieces.append(current)
        return [f'        "{piece}"' for piece in pieces]

    lines = [
        "// SPDX-License-Identifier: Apache-2.0",
        "// Generated at build time by host/ui/generate_public_suffix_list.py from the Public",
        "// Suffix List (publicsuffix.org, Mozilla Public License 2.0): do not edit.",
        '#include "ui/public_suffix_data.hpp"',
        "",
        "#include <array>",
        "",
        "namespace saferchat::public_suffix_data {",
        "namespace {",
        "",
        "// Each rule: its length (one byte), then its bytes; sorted by bytes across the blocks.",
        f"constexpr std::array<std::string_view, {len(blocks)}> blocks{{",
    ]
    for block in blocks:
        lines.append("    std::string_view{")
        lines += literal_lines(block)
        lines.append(f"        , {len(block)}}},")
    lines += [
        "};",
        "",
        "}  // namespace",
        "",
        f"const std::size_t rule_count = {len(ordered)};",
        "const std::span<const std::string_view> rule_blocks{blocks};",
        "",
        "}  // namespace saferchat::public_suffix_data",
        "",
    ]
    with open(output, "w", encoding="ascii") as out:
        out.write("\n".join(lines))


if __name__ == "__main__":
    main()
