// SPDX-License-Identifier: Apache-2.0
// What the hosts the browser started wrote to their log (SAFERCHAT_LOG_LEVEL=debug,
// docs/protocol.md §7): which processes started, their requests, the card read ahead when a card
// came (§3.6) and each login's APDU count. Every line names its process:
//   2026-11-28T02:14:55.889Z INFO saferchat-host[3319] request command=version … result=OK …
import fs from 'node:fs';

const LINE = /^(\S+Z) (\w+) saferchat-host\[(\d+)\] (.*)$/;

// key=value fields of a log message (values without spaces).
function fields(message) {
  return Object.fromEntries([...message.matchAll(/(\w+)=([^\s"]+)/g)].map((m) => [m[1], m[2]]));
}

export class HostLog {
  constructor(file) {
    this.file = file;
  }

  // A position in the log: what was written after it is "since" that position.
  size() {
    return fs.existsSync(this.file) ? fs.statSync(this.file).size : 0;
  }

  // { time (ms since the epoch), pid, level, message, fields } for each line written since
  // `offset`.
  records(offset = 0) {
    if (!fs.existsSync(this.file)) {
      return [];
    }
    const text = fs.readFileSync(this.file).subarray(offset).toString('utf8');
    return text.split('\n').map((line) => line.match(LINE)).filter(Boolean)
      .map(([, stamp, level, pid, message]) => ({
        time: Date.parse(stamp), pid: Number(pid), level, message, fields: fields(message),
      }));
  }

  // Host processes started since `offset`, in order.
  starts(offset = 0) {
    return this.records(offset).filter((r) => r.message.startsWith('started by ')).map((r) => r.pid);
  }

  // Requests served since `offset`: { pid, command, result }.
  requests(offset = 0) {
    return this.records(offset).filter((r) => r.message.startsWith('request command='))
      .map((r) => ({ pid: r.pid, command: r.fields.command, result: r.fields.result }));
  }

  // Logins since `offset` (the debug timing line): { pid, apdus, readAhead }.
  logins(offset = 0) {
    return this.records(offset).filter((r) => r.message.startsWith('authenticate apdus='))
      .map((r) => ({ pid: r.pid, apdus: Number(r.fields.apdus), readAhead: r.fields.read_ahead === '1' }));
  }

  // The logins since `offset` once there are `count`: the host writes a login's timing line
  // after its LOG OFF, which follows the reply (docs/protocol.md §3.4).
  async loginsOnceThere(offset, count) {
    await this.waitFor(`${count} login timing line(s)`, (log) => log.logins(offset).length >= count);
    return this.logins(offset);
  }

  // Cards read when they came into the reader, since `offset`: { pid, apdus, insertion }.
  readAheads(offset = 0) {
    return this.records(offset).filter((r) => r.message.startsWith('card read ahead '))
      .map((r) => ({ pid: r.pid, apdus: Number(r.fields.apdus), insertion: Number(r.fields.insertion) }));
  }

  // Waits until `predicate(this)` is truthy (checked every 50 ms); returns its value, or throws
  // after `limitMs`.
  async waitFor(what, predicate, limitMs = 15000) {
    for (const end = Date.now() + limitMs; ;) {
      const value = predicate(this);
      if (value) {
        return value;
      }
      if (Date.now() > end) {
        throw new Error(`host log: ${what} did not happen within ${limitMs} ms`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

// true while process `pid` runs (a zombie, ended but not yet reaped by the browser, counts as
// gone).
export function processAlive(pid) {
  try {
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

// true when process `pid` is gone (or a zombie) within `limitMs`.
export async function waitForExit(pid, limitMs) {
  for (const end = Date.now() + limitMs; Date.now() < end;) {
    if (!processAlive(pid)) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !processAlive(pid);
}

// true when process `pid` is gone within `limitMs`, reaped by its parent (the browser): the
// browser has seen it end. A zombie still counts as there.
export async function waitForReaped(pid, limitMs) {
  for (const end = Date.now() + limitMs; Date.now() < end;) {
    if (!fs.existsSync(`/proc/${pid}`)) {
      return true;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return !fs.existsSync(`/proc/${pid}`);
}
