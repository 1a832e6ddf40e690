#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The Windows host under Wine beside the Linux host, in the same run (issue 13, item 8).

For each host, --runs cold starts, one process each, as a browser starts it (argv[1] = the
Chromium extension's origin, native messaging framing on stdin/stdout):
    start → ready   spawn to the host's first message (the ready event, docs/protocol.md §4.1)
    start → version spawn to the reply of a `version` request sent after the ready event
    peak memory     the process's VmHWM in /proc after the reply (for Wine: the Windows
                    process, whose pid the `wine` launcher keeps; Wine's own DLLs count, the
                    shared wineserver does not)
Medians and 95th percentiles, the Wine/Linux ratio (a ratio, not a target: Wine is not
Windows), then the sizes of the MSIs. Wine runs in the Windows build's prefix with a Wine
session kept open (its services running, as Windows keeps its own); a few warm-up starts come
first.

Usage: bench/windows/run_windows_host_bench.py [--linux-build build/ci]
           [--windows-build build/windows] [--runs 20]
Needs build/ci/host/saferchat-host, build/windows/host/saferchat-host.exe and (for the sizes)
the MSIs of target saferchat-msi.
"""

import argparse
import glob
import json
import os
import statistics
import struct
import subprocess
import sys
import tempfile
import time

ORIGIN = "chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/"


def read_message(stream):
    header = stream.read(4)
    if len(header) != 4:
        raise RuntimeError("the host closed its output before a message")
    (length,) = struct.unpack("<I", header)
    return json.loads(stream.read(length))


def write_message(stream, message):
    data = json.dumps(message).encode()
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def peak_kib(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def one_start(command, env):
    start = time.perf_counter()
    host = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        ready = read_message(host.stdout)
        at_ready = time.perf_counter()
        if ready.get("event") != "ready":
            raise RuntimeError(f"first message is not the ready event: {ready}")
        write_message(host.stdin, {"command": "version", "id": 1})
        reply = read_message(host.stdout)
        at_reply = time.perf_counter()
        if reply.get("command") != "version" or "result" not in reply:
            raise RuntimeError(f"not a version reply: {reply}")
        peak = peak_kib(host.pid)
    finally:
        host.stdin.close()
        host.wait(timeout=60)
    return (at_ready - start) * 1000, (at_reply - start) * 1000, peak


def p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def measure(name, command, env, runs, warmups):
    for _ in range(warmups):
        one_start(command, env)
    ready, reply, peak = [], [], []
    for _ in range(runs):
        r, v, p = one_start(command, env)
        ready.append(r)
        reply.append(v)
        peak.append(p)
    return {"name": name, "ready": ready, "reply": reply, "peak": max(peak)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--linux-build", default="build/ci")
    parser.add_argument("--windows-build", default="build/windows")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    linux_host = os.path.join(args.linux_build, "host", "saferchat-host")
    windows_host = os.path.join(args.windows_build, "host", "saferchat-host.exe")
    for program in (linux_host, windows_host):
        if not os.path.isfile(program):
            sys.exit(f"run_windows_host_bench: no {program}: build it first")

    with tempfile.TemporaryDirectory(prefix="saferchat-bench-") as temp:
        # The Linux host logs into a throwaway folder, not the user's.
        linux_env = dict(os.environ, XDG_STATE_HOME=temp, HOME=temp,
                         SAFERCHAT_LOG_FILE=os.path.join(temp, "host.log"))
        wine_env = dict(os.environ, WINEDEBUG="-all",
                        WINEPREFIX=os.path.abspath(os.path.join(args.windows_build, "wine-prefix")))
        wine_env.pop("SAFERCHAT_LOG_FILE", None)
        if not os.path.isfile(os.path.join(wine_env["WINEPREFIX"], "system.reg")):
            subprocess.run(["wineboot", "-i"], env=wine_env, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Wine's services stay running during the runs (as Windows keeps its own): a cmd
        # waiting on its input holds the Wine session open.
        session = subprocess.Popen(["wine", "cmd"], env=wine_env, stdin=subprocess.PIPE,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            load_before = os.getloadavg()[0]
            results = [
                measure("Linux host", [linux_host, ORIGIN], linux_env, args.runs, warmups=2),
                measure("Windows host under Wine", ["wine", windows_host, ORIGIN], wine_env,
                        args.runs, warmups=3),
            ]
            load_after = os.getloadavg()[0]
        finally:
            session.stdin.close()  # cmd ends at the end of its input
            session.wait(timeout=60)

    print(f"Host cold start, {args.runs} runs each (median / p95); load average "
          f"{load_before:.1f} at the start, {load_after:.1f} at the end")
    print(f"{'':26}{'start → ready':>18}{'start → version':>20}{'peak memory':>16}")
    for result in results:
        print(f"{result['name']:26}"
              f"{statistics.median(result['ready']):8.1f} / {p95(result['ready']):6.1f} ms"
              f"{statistics.median(result['reply']):10.1f} / {p95(result['reply']):6.1f} ms"
              f"{result['peak'] / 1024:12.1f} MiB")
    linux, windows = results
    print(f"{'Wine / Linux':26}"
          f"{statistics.median(windows['ready']) / statistics.median(linux['ready']):15.1f} x"
          f"{statistics.median(windows['reply']) / statistics.median(linux['reply']):17.1f} x"
          f"{windows['peak'] / linux['peak']:14.1f} x")

    msis = sorted(glob.glob(os.path.join(args.windows_build, "msi", "*.msi")))
    if not msis:
        print("MSIs: none built (cmake --build --preset windows --target saferchat-msi)")
    for msi in msis:
        size = os.path.getsize(msi)
        print(f"{os.path.basename(msi):38}{size:>10} bytes ({size / 1048576:.2f} MiB)")
    exe = os.path.getsize(windows_host)
    print(f"{'saferchat-host.exe (build, with debug)':38}{exe:>10} bytes ({exe / 1048576:.2f} MiB)")


if __name__ == "__main__":
    main()
