/**
 * The janitor process (janitor.ts starts one per test process): reads JSON lines on stdin naming what the harness
 * started — `{"op":"pid","pid":N}`, `{"op":"unpid","pid":N}`, `{"op":"path","path":P,"mount":bool}`,
 * `{"op":"unpath","path":P}` — and when stdin ends (the test process exited, however: SIGKILL included) kills the
 * processes still registered (SIGCONT first, then SIGKILL, each only while its start time still matches the one
 * read at registration, so a recycled PID is never hit), unmounts the mounts (lazily) and removes the paths.
 * It runs detached in a session of its own so that a signal to the runner's process group does not reach it, and
 * acts only once the process that started it is gone (its PID no longer runs with the same start time).
 * No imports beyond node: it must start fast and survive anything in the harness.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const pids = new Map<number, string>();
const paths = new Map<string, boolean>();

/** The process's start time, or null when it is gone (a zombie counts as gone: it only waits to be reaped). */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields counted after the ")" that ends the command name: 3 (state) and 22 (starttime)
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : (fields[19] ?? null);
  } catch {
    return null;
  }
}

function handle(line: string): void {
  let m: { op?: string; pid?: number; path?: string; mount?: boolean };
  try {
    m = JSON.parse(line) as typeof m;
  } catch {
    return;
  }
  if (m.op === 'pid' && typeof m.pid === 'number') {
    const st = startTime(m.pid);
    if (st !== null) pids.set(m.pid, st);
  } else if (m.op === 'unpid' && typeof m.pid === 'number') pids.delete(m.pid);
  else if (m.op === 'path' && typeof m.path === 'string') paths.set(m.path, m.mount === true);
  else if (m.op === 'unpath' && typeof m.path === 'string') paths.delete(m.path);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

async function cleanUp(): Promise<void> {
  const victims = [...pids].filter(([pid, st]) => startTime(pid) === st).map(([pid]) => pid);
  for (const pid of victims) signal(pid, 'SIGCONT');
  for (const pid of victims) signal(pid, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (victims.some((pid) => startTime(pid) !== null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  // deepest first: mounts inside a directory that is removed as a whole
  for (const [path, mount] of [...paths].sort((a, b) => b[0].length - a[0].length)) {
    if (mount) {
      try {
        execFileSync('umount', ['-l', path], { stdio: 'ignore' });
      } catch {
        // not mounted any more
      }
    }
    rmSync(path, { recursive: true, force: true });
  }
  process.exit(0);
}

/** The test process: clean up only once it is really gone (a pipe could in principle close without that). */
const parent = process.ppid;
const parentStart = startTime(parent);

async function parentGone(): Promise<void> {
  while (parentStart !== null && startTime(parent) === parentStart) await new Promise((r) => setTimeout(r, 200));
}

let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  buffered += chunk;
  let nl: number;
  while ((nl = buffered.indexOf('\n')) >= 0) {
    handle(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
  }
});
let ending = false;
const end = () => {
  if (ending) return;
  ending = true;
  void parentGone().then(cleanUp);
};
process.stdin.on('end', end);
process.stdin.on('error', end);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => {});
