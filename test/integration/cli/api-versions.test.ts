import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../../src/zk/server-process.js';
import { gregorCommand } from '../../../src/testing/broker-process.js';
import { run } from '../../harness/clients.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

let cluster: Cluster;
beforeAll(async () => {
  cluster = await startCluster({ brokers: 1, inProcess: true });
});
afterAll(async () => {
  await cluster?.close();
});

const gregor = (args: string[]) => {
  const c = gregorCommand(args);
  return run(c.command, c.args, { cwd: c.cwd, timeoutMs: 30_000 });
};

it('api-versions - prints the table the broker advertises, derived from its handlers', async () => {
  const r = await gregor(['api-versions', '--bootstrap', cluster.bootstrapServers.split(',')[0]!, '--markdown']);
  expect(r.code).toBe(0);
  const rows = r.stdout.split('\n').filter((l) => /^\| [A-Za-z]+ \| \d+ \|/.test(l));
  const byName = new Map(rows.map((l) => [l.split('|')[1]!.trim(), l]));
  expect(byName.get('Produce')).toContain('| 0 | 0–8 |');
  expect(byName.get('Fetch')).toContain('| 1 | 0–12 | v12 |');
  expect(byName.get('ApiVersions')).toContain('| 18 | 0–3 | v3 |');
  expect(byName.get('JoinGroup')).toBeDefined();
  expect(byName.get('LeaderAndIsr')).toBeDefined();
});

it('api-versions - exits 1 with a message when no broker answers', async () => {
  const port = await freePort();
  const r = await gregor(['api-versions', '--bootstrap', `127.0.0.1:${port}`]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`cannot reach 127.0.0.1:${port}`);
});
