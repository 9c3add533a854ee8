/**
 * A bounded pool of open file descriptors shared by every log of a LogManager.
 *
 * Kafka keeps one FileChannel open per segment file and asks operators to raise the ulimit; here
 * the number of open descriptors is capped, and the least recently used one is closed when the
 * cap is reached (it is reopened on next use). Every caller is synchronous, so a descriptor is
 * never closed while an operation on it is in flight.
 */
import { closeSync, constants, openSync } from 'node:fs';

export const DEFAULT_MAX_OPEN_FILES = 512;

export class FileHandlePool {
  /** path → fd, in least-recently-used order (Map iteration order is insertion order). */
  private readonly open = new Map<string, number>();
  /** The most recently used entry: the active segment's file on the append path, skipping the re-insert. */
  private mruPath: string | null = null;
  private mruFd = -1;

  constructor(readonly maxOpenFiles = DEFAULT_MAX_OPEN_FILES) {
    if (maxOpenFiles < 1) throw new RangeError('maxOpenFiles must be at least 1');
  }

  /** The descriptor of an existing file, opened read-write; throws ENOENT if it is missing. */
  fd(path: string): number {
    return this.acquire(path, constants.O_RDWR);
  }

  /** The descriptor of a file, created empty if missing. */
  fdCreate(path: string): number {
    return this.acquire(path, constants.O_RDWR | constants.O_CREAT);
  }

  /** Close the descriptor of `path` if open (before a rename or unlink). */
  close(path: string): void {
    const fd = this.open.get(path);
    if (fd === undefined) return;
    this.open.delete(path);
    if (this.mruPath === path) this.mruPath = null;
    closeSync(fd);
  }

  closeAll(): void {
    for (const path of [...this.open.keys()]) this.close(path);
  }

  get openCount(): number {
    return this.open.size;
  }

  private acquire(path: string, flags: number): number {
    if (path === this.mruPath) return this.mruFd;
    const cached = this.open.get(path);
    if (cached !== undefined) {
      // Move to the most-recently-used end.
      this.open.delete(path);
      this.open.set(path, cached);
      return this.remember(path, cached);
    }
    if (this.open.size >= this.maxOpenFiles) {
      const eldest = this.open.keys().next().value;
      if (eldest !== undefined) this.close(eldest);
    }
    const fd = openSync(path, flags, 0o644);
    this.open.set(path, fd);
    return this.remember(path, fd);
  }

  private remember(path: string, fd: number): number {
    this.mruPath = path;
    this.mruFd = fd;
    return fd;
  }
}
