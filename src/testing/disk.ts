/**
 * A small disk for a broker's log dir: a tmpfs of a few MB mounted on the broker's directory (reliability.md
 * §6.1: `mount -t tmpfs` works here as root; appends then fail with a real ENOSPC). `fill()` writes a filler
 * file until the disk is full; `free()` deletes it. Where mounting is not allowed (no root, a container
 * without CAP_SYS_ADMIN) `tmpfsUnavailable()` says why, and the harness refuses `smallDisks` with that reason.
 * Mounts are registered with the janitor (unmounted if the test process dies).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Janitor } from './janitor.js';

const run = promisify(execFile);

let probe: Promise<string | null> | undefined;

/** null when this process can mount a tmpfs, else the reason it cannot (cached). */
export function tmpfsUnavailable(): Promise<string | null> {
  probe ??= (async () => {
    if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gregor-tmpfs-probe-'));
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
      await run('umount', [dir]);
      return null;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      return `mount -t tmpfs is not permitted here (${(e.stderr || e.message).trim().split('\n')[0]})`;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  })();
  return probe;
}

const FILLER = 'gregor-filler';

export class SmallDisk {
  private constructor(
    /** the mount point */
    readonly dir: string,
    readonly sizeBytes: number,
  ) {}

  static async mount(dir: string, sizeBytes: number): Promise<SmallDisk> {
    const why = await tmpfsUnavailable();
    if (why) throw new Error(`cannot give a broker a small disk: ${why}`);
    await mkdir(dir, { recursive: true });
    await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', dir]);
    Janitor.trackPath(dir, { mount: true });
    return new SmallDisk(dir, sizeBytes);
  }

  /** Writes a filler file until the disk is full (ENOSPC); returns the bytes written. */
  async fill(): Promise<number> {
    const fh = await open(path.join(this.dir, FILLER), 'a');
    const chunk = Buffer.alloc(64 * 1024, 0x66);
    let written = 0;
    try {
      for (let size = chunk.length; size >= 1; ) {
        try {
          const { bytesWritten } = await fh.write(chunk, 0, size);
          written += bytesWritten;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          size = Math.floor(size / 2); // the last bytes of the last page
        }
      }
    } finally {
      await fh.close();
    }
    return written;
  }

  /** Deletes the filler file. */
  async free(): Promise<void> {
    await rm(path.join(this.dir, FILLER), { force: true });
  }

  /** Unmounts (lazily: a killed broker's files may still be closing). */
  async unmount(): Promise<void> {
    await run('umount', ['-l', this.dir]).catch(() => {});
    Janitor.untrackPath(this.dir);
  }
}
