/**
 * DescribeLogDirs handler over a real LogManager with two log directories: every live directory
 * answered with its partitions' sizes, topics null = all, a filter, an offline directory
 * (KAFKA_STORAGE_ERROR), and the v2 (flexible) encoding.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import { createDescribeLogDirsHandler } from '../../../../src/server/handlers/describe-log-dirs.js';
import { buildDeps, callHandler, type TestDeps } from '../../../integration/admin/handler-kit.js';
import { simpleBatch } from '../../log/log-test-kit.js';

let deps: TestDeps | undefined;
let dirs: string[] = [];
afterEach(() => {
  deps?.logManager.shutdown();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  deps = undefined;
  dirs = [];
});

function setup() {
  dirs = [mkdtempSync(join(tmpdir(), 'gregor-logdirs-a-')), mkdtempSync(join(tmpdir(), 'gregor-logdirs-b-'))];
  const d = buildDeps({ logDirs: dirs });
  deps = d;
  d.logManager.startup();
  // getOrCreateLog picks the directory with the fewest logs: a, b, a, b
  for (const tp of [{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }, { topic: 'audit', partition: 0 }, { topic: 'orders', partition: 2 }]) {
    d.logManager.getOrCreateLog(tp);
  }
  d.logManager.getLog({ topic: 'orders', partition: 0 })?.append(simpleBatch(5, 100, 1000), 0);
  return { deps: d, handler: createDescribeLogDirsHandler(d) };
}

describe('admin describe-log-dirs', () => {
  it('topics null = every partition of every live directory, with sizes; offsetLag 0, never future', async () => {
    const { deps: d, handler } = setup();
    const size0 = d.logManager.getLog({ topic: 'orders', partition: 0 })?.size ?? 0;
    expect(size0).toBeGreaterThan(500);
    const { response } = await callHandler(handler, 1, { topics: null });
    expect(response.results).toEqual([
      {
        errorCode: ErrorCode.None,
        logDir: dirs[0],
        topics: [
          { name: 'audit', partitions: [{ partitionIndex: 0, partitionSize: 0, offsetLag: 0, isFutureKey: false }] },
          { name: 'orders', partitions: [{ partitionIndex: 0, partitionSize: size0, offsetLag: 0, isFutureKey: false }] },
        ],
      },
      {
        errorCode: ErrorCode.None,
        logDir: dirs[1],
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 1, partitionSize: 0, offsetLag: 0, isFutureKey: false },
              { partitionIndex: 2, partitionSize: 0, offsetLag: 0, isFutureKey: false },
            ],
          },
        ],
      },
    ]);
  });

  it('a partition filter keeps the asked partitions; other topics of a directory stay listed empty (Kafka)', async () => {
    const { handler } = setup();
    const { response } = await callHandler(handler, 2, { topics: [{ topic: 'orders', partitionIndex: [2, 7] }] });
    expect(response.results.map((r: { topics: unknown }) => r.topics)).toEqual([
      [
        { name: 'audit', partitions: [] },
        { name: 'orders', partitions: [] },
      ],
      [{ name: 'orders', partitions: [{ partitionIndex: 2, partitionSize: 0, offsetLag: 0, isFutureKey: false }] }],
    ]);
  });

  it('an offline directory answers KAFKA_STORAGE_ERROR with no topics', async () => {
    const good = mkdtempSync(join(tmpdir(), 'gregor-logdirs-ok-'));
    const parent = mkdtempSync(join(tmpdir(), 'gregor-logdirs-bad-'));
    const bad = join(parent, 'not-a-dir');
    writeFileSync(bad, 'a regular file where a log directory should be');
    dirs = [good, parent];
    const d = buildDeps({ logDirs: [good, bad] });
    deps = d;
    d.logManager.startup(); // loading `bad` fails: the directory is marked offline, as Kafka does
    d.logManager.getOrCreateLog({ topic: 'orders', partition: 0 });
    expect(d.logManager.offlineLogDirs).toEqual([bad]);
    const { response } = await callHandler(createDescribeLogDirsHandler(d), 0, { topics: null });
    expect(response.results).toEqual([
      { errorCode: ErrorCode.None, logDir: good, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, partitionSize: 0, offsetLag: 0, isFutureKey: false }] }] },
      { errorCode: ErrorCode.KafkaStorageError, logDir: bad, topics: [] },
    ]);
  });

  it('errorResponse answers no directories', () => {
    const { handler } = setup();
    expect(handler.errorResponse?.({ topics: null }, ErrorCode.ClusterAuthorizationFailed, {} as never)).toEqual({ throttleTimeMs: 0, results: [] });
  });
});
