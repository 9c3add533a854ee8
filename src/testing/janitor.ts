/**
 * Clean-up that survives the test process (issue 14: no orphan ZooKeeper or broker, no leftover data dir, even
 * when the test runner is SIGKILLed). One janitor process per test process (janitor-main.ts), started on first
 * use, detached, holding the read end of a pipe whose write end only this process has: when this process ends
 * for any reason the pipe closes and the janitor kills what is still registered and removes the paths.
 * The harness registers every PID it spawns and every temp dir / mount it makes, and unregisters them once it
 * has cleaned them up itself, so after a normal close() the janitor has nothing left to do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { nodeEntry } from './node-entry.js';

let janitor: { child: ChildProcess; stdin: Writable } | null = null;

function send(message: object): void {
  if (!janitor) {
    const entry = nodeEntry('testing/janitor-main');
    const child = spawn(entry.command, entry.args, { cwd: entry.cwd, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child.unref();
    const stdin = child.stdin!;
    (stdin as Writable & { unref?: () => void }).unref?.();
    stdin.on('error', () => {}); // the janitor died: nothing more we can do from here
    janitor = { child, stdin };
  }
  janitor.stdin.write(`${JSON.stringify(message)}\n`);
}

export const Janitor = {
  trackPid(pid: number): void {
    send({ op: 'pid', pid });
  },
  untrackPid(pid: number): void {
    send({ op: 'unpid', pid });
  },
  trackPath(path: string, opts: { mount?: boolean } = {}): void {
    send({ op: 'path', path, mount: opts.mount ?? false });
  },
  untrackPath(path: string): void {
    send({ op: 'unpath', path });
  },
  /** The janitor's PID (tests), or null before first use. */
  get pid(): number | null {
    return janitor?.child.pid ?? null;
  },
};
