import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { KafkaError } from '../../../src/common/errors.js';
import { logConfig } from '../../../src/log/log-config.js';
import { LogManager, type LogManagerOptions } from '../../../src/log/log-manager.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { TempDirs, simpleBatch, splitBatches } from './log-test-kit.js';
import { idem } from './producer-kit.js';

const dirs = new TempDirs();
const managers: LogManager[] = [];
afterEach(() => {
  for (const m of managers.splice(0)) m.shutdown();
  dirs.cleanup();
});

function manager(opts: Partial<LogManagerOptions> & { logDirs: string[] }): LogManager {
  const m = new LogManager({ clock: new ManualClock(0), ...opts });
  m.startup();
  managers.push(m);
  return m;
}

function stop(m: LogManager): void {
  m.shutdown();
  managers.splice(managers.indexOf(m), 1);
}

describe('log manager', () => {
  it('creates <topic>-<partition> dirs in the log dir with the fewest partitions', () => {
    const [a, b] = [dirs.make(), dirs.make()];
    const m = manager({ logDirs: [a, b] });
    for (let p = 0; p < 4; p++) m.getOrCreateLog({ topic: 'orders-v1', partition: p });
    expect(readdirSync(a).sort()).toEqual(['orders-v1-0', 'orders-v1-2']);
    expect(readdirSync(b).sort()).toEqual(['orders-v1-1', 'orders-v1-3']);
    expect(m.getOrCreateLog({ topic: 'orders-v1', partition: 1 })).toBe(m.getLog({ topic: 'orders-v1', partition: 1 }));
  });

  it('writes checkpoints and the clean-shutdown marker on shutdown, and reloads from them', () => {
    const dir = dirs.make();
    const m = manager({ logDirs: [dir] });
    const log = m.getOrCreateLog({ topic: 't', partition: 3 });
    for (let i = 0; i < 5; i++) log.append(simpleBatch(2, 50, 0), 0);
    log.maybeIncrementLogStartOffset(4);
    stop(m);
    expect(readFileSync(join(dir, 'recovery-point-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 3 10\n');
    expect(readFileSync(join(dir, 'log-start-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 3 4\n');
    expect(existsSync(join(dir, '.kafka_cleanshutdown'))).toBe(true);
    const again = manager({ logDirs: [dir] });
    const reloaded = again.getLog({ topic: 't', partition: 3 });
    expect(reloaded?.logStartOffset).toBe(4);
    expect(reloaded?.logEndOffset).toBe(10);
    expect(reloaded?.recoveryPoint).toBe(10);
    expect(existsSync(join(dir, '.kafka_cleanshutdown'))).toBe(false);
  });

  it('skips recovery after a clean shutdown and recovers from the recovery point otherwise', () => {
    const dir = dirs.make();
    const m = manager({ logDirs: [dir] });
    const log = m.getOrCreateLog({ topic: 't', partition: 0 });
    for (let i = 0; i < 3; i++) log.append(simpleBatch(1, 50, 0), 0);
    stop(m);
    const segment = join(dir, 't-0', '00000000000000000000.log');
    const bytes = readFileSync(segment);
    bytes[bytes.length - 5] = (bytes[bytes.length - 5] ?? 0) ^ 0xff; // CRC damage in the last batch
    writeFileSync(segment, bytes);
    const clean = manager({ logDirs: [dir] });
    expect(clean.getLog({ topic: 't', partition: 0 })?.logEndOffset).toBe(3);
    stop(clean);
    rmSync(join(dir, '.kafka_cleanshutdown'));
    writeFileSync(join(dir, 'recovery-point-offset-checkpoint'), '0\n1\nt 0 1\n');
    const unclean = manager({ logDirs: [dir] });
    expect(unclean.getLog({ topic: 't', partition: 0 })?.logEndOffset).toBe(2);
  });

  it('runs retention and checkpoints on the injected clock', () => {
    const dir = dirs.make();
    const clock = new ManualClock(0);
    const config = logConfig({ segmentBytes: simpleBatch(1, 100, 0).length, retentionMs: 1000 });
    const m = manager({ logDirs: [dir], clock, defaultConfig: config, retentionCheckIntervalMs: 5000 });
    const log = m.getOrCreateLog({ topic: 't', partition: 0 });
    for (let i = 0; i < 4; i++) log.append(simpleBatch(1, 100, 0), 0);
    expect(log.numberOfSegments).toBe(4);
    clock.advance(4999);
    expect(log.numberOfSegments).toBe(4);
    clock.advance(1);
    expect(log.numberOfSegments).toBe(1);
    expect(log.logStartOffset).toBe(3);
    expect(existsSync(join(dir, 'log-start-offset-checkpoint'))).toBe(false);
    clock.advance(30_000);
    expect(readFileSync(join(dir, 'log-start-offset-checkpoint'), 'utf8')).toBe('0\n1\nt 0 3\n');
  });

  it('forgets idle producer ids every producer.id.expiration.check.interval.ms (transactional.id.expiration.ms from their timestamps)', () => {
    const dir = dirs.make();
    const clock = new ManualClock(1_000_000);
    const m = manager({ logDirs: [dir], clock, producerIdExpirationMs: 60_000, producerIdExpirationCheckIntervalMs: 10_000 });
    const log = m.getOrCreateLog({ topic: 't', partition: 0 });
    log.append(idem({ pid: 1, seq: 0, ts: 1_000_000 }), 0);
    log.append(idem({ pid: 2, seq: 0, ts: 1_050_000 }), 0);
    clock.advance(60_000); // checks at 10 s … 60 s: pid 1's last batch (max timestamp +1 ms) is 59.999 s old
    expect([...log.producerState.activeProducers.keys()].sort()).toEqual([1, 2]);
    clock.advance(10_000); // the check at 70 s: pid 1 idle for 70 s, pid 2 for 20 s
    expect([...log.producerState.activeProducers.keys()]).toEqual([2]);
  });

  it('after each recovery-point checkpoint deletes the producer snapshots no recovery can need', () => {
    const dir = dirs.make();
    const clock = new ManualClock(0);
    const config = logConfig({ segmentBytes: simpleBatch(1, 100, 0).length });
    const m = manager({ logDirs: [dir], clock, defaultConfig: config, recoveryPointCheckpointIntervalMs: 5000 });
    const log = m.getOrCreateLog({ topic: 't', partition: 0 });
    for (let i = 0; i < 6; i++) log.append(simpleBatch(1, 100, 0), 0);
    log.flush();
    const snapshots = () => readdirSync(log.dir).filter((n) => n.endsWith('.snapshot')).map((n) => Number(n.slice(0, 20)));
    expect(snapshots()).toEqual([1, 2, 3, 4, 5]);
    clock.advance(5000);
    // kept: from the segment before the active one (base 4) on; the recovery point is at the log end
    expect(snapshots()).toEqual([4, 5]);
  });

  it('deletes a log by renaming its dir to -delete, then removing it after file.delete.delay.ms', () => {
    const dir = dirs.make();
    const clock = new ManualClock(0);
    const m = manager({ logDirs: [dir], clock, defaultConfig: logConfig({ fileDeleteDelayMs: 100 }) });
    m.getOrCreateLog({ topic: 'gone', partition: 0 }).append(simpleBatch(1, 10, 0), 0);
    expect(m.deleteLog({ topic: 'gone', partition: 0 })).toBe(true);
    expect(m.getLog({ topic: 'gone', partition: 0 })).toBeUndefined();
    const names = readdirSync(dir);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^gone-0\.[0-9a-f]{32}-delete$/);
    clock.advance(100);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps open file descriptors under maxOpenFiles across many partitions', () => {
    const dir = dirs.make();
    const m = manager({ logDirs: [dir], maxOpenFiles: 4 });
    for (let p = 0; p < 10; p++) m.getOrCreateLog({ topic: 't', partition: p }).append(simpleBatch(1, 10, p), 0);
    expect(m.openFileCount).toBeLessThanOrEqual(4);
    for (let p = 0; p < 10; p++) {
      const batch = splitBatches(m.getLog({ topic: 't', partition: p })?.read(0, 1000) ?? Buffer.alloc(0))[0];
      expect(Number(batch?.bytes.readBigInt64BE(27))).toBe(p);
    }
    expect(m.openFileCount).toBeLessThanOrEqual(4);
  });

  it('round-trips high watermarks through replication-offset-checkpoint', () => {
    const dir = dirs.make();
    const m = manager({ logDirs: [dir] });
    m.getOrCreateLog({ topic: 'a', partition: 0 });
    m.getOrCreateLog({ topic: 'b', partition: 1 });
    m.checkpointHighWatermarks((tp) => (tp.topic === 'a' ? 7 : 9));
    expect(readFileSync(join(dir, 'replication-offset-checkpoint'), 'utf8')).toBe('0\n2\na 0 7\nb 1 9\n');
    expect(m.readHighWatermarks()).toEqual(new Map([['a-0', 7], ['b-1', 9]]));
  });

  it('marks a log dir offline on an I/O error (KAFKA_STORAGE_ERROR) and reports it', () => {
    const dir = dirs.make();
    const failed: string[] = [];
    const m = manager({ logDirs: [dir], onLogDirFailure: (d) => failed.push(d) });
    const log = m.getOrCreateLog({ topic: 't', partition: 0 });
    log.append(simpleBatch(1, 10, 0), 0);
    // Kafka's causeLogDirFailure: the partition directory becomes a regular file.
    rmSync(log.dir, { recursive: true });
    writeFileSync(log.dir, 'not a directory');
    const roll = (): unknown => log.roll();
    expect(roll).toThrow(KafkaError);
    expect(() => log.append(simpleBatch(1, 10, 0), 0)).toThrow(expect.objectContaining({ code: ErrorCode.KafkaStorageError }));
    expect(failed).toEqual([dir]);
    expect(m.offlineLogDirs).toEqual([dir]);
    expect(() => m.getOrCreateLog({ topic: 't', partition: 1 })).toThrow();
  });
});
