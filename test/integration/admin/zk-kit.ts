/** ZooKeeper side of the admin handler tests: one chroot per file, a KafkaZkClient, raw reads. */
import { afterAll, beforeAll } from 'vitest';
import type { ZkClient } from '../../../src/zk/client.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import { closeAllZk, connectZk, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';

export interface ZkFixture {
  raw: ZkClient;
  zk: KafkaZkClient;
}

/** Registers the file's hooks; the fixture is filled in beforeAll. */
export function useZooKeeper(): ZkFixture {
  const connect = zkConnectForTest();
  const fixture = {} as ZkFixture;
  beforeAll(async () => {
    fixture.raw = await connectZk(connect);
    fixture.zk = new KafkaZkClient(fixture.raw);
    await fixture.zk.createTopLevelPaths();
  });
  afterAll(async () => {
    await closeAllZk();
    await removeChroot(connect);
  });
  return fixture;
}

/** The JSON stored at `path`, or null when the znode is absent. */
export async function readJson(raw: ZkClient, path: string): Promise<unknown> {
  const r = await raw.tryGetData(path);
  return r?.data ? JSON.parse(r.data.toString('utf8')) : null;
}

/** `/config/changes` notifications as [name, entity_path] pairs, oldest first. */
export async function configChanges(raw: ZkClient): Promise<Array<{ name: string; body: unknown }>> {
  const names = (await raw.getChildren('/config/changes')).sort();
  return Promise.all(names.map(async (name) => ({ name, body: await readJson(raw, `/config/changes/${name}`) })));
}
