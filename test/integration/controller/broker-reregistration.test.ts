/**
 * Broker re-registration after a quick in-process restart (test/harness/cluster.ts, mode 'in-process'): the broker's
 * ZooKeeper session is closed at once (kill = stop({ controlled: false }); stop = controlled shutdown first) and a
 * new Broker with the same id and log dir registers /brokers/ids/<id> again tens of milliseconds later — often
 * while the active controller is still processing the BrokerChange of the deregistration. The controller must see
 * the new registration (BrokerChange → onBrokerStartup), so that within a few seconds every broker's metadata
 * cache, the restarted one's included, lists all three brokers again. Repeated, because a miss is a race.
 * Broker 0 is restarted each round whether or not it is the controller (then the restart is a failover too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaAssignment } from '../../../src/zk/znodes.js';
import { startCluster, type Cluster } from '../../harness/cluster.js';

const ROUNDS = 5;
const TOPIC = 'rereg';
const PARTITIONS = 6;

describe('controller - broker re-registration after a quick in-process restart', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3, inProcess: true });
    // replicas (and leaders) on every broker, so each BrokerChange has elections and LeaderAndIsr to do
    await cluster.zk.createTopicAssignment(
      TOPIC,
      new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, replicaAssignment([p % 3, (p + 1) % 3, (p + 2) % 3])])),
    );
    for (let p = 0; p < PARTITIONS; p++) await cluster.waitForIsr({ topic: TOPIC, partition: p }, cluster.ids);
  });

  afterAll(async () => {
    await cluster?.close();
  });

  async function restartAndExpectSeen(how: 'kill' | 'stop', round: number): Promise<void> {
    const before = await cluster.brokerEpoch(0);
    await cluster.restart(0, { how });
    const epoch = await cluster.brokerEpoch(0);
    expect(epoch).not.toBeNull();
    expect(epoch).not.toBe(before);
    const controller = await cluster.waitForController();
    await cluster.waitFor(
      () =>
        cluster.broker(controller).isController &&
        cluster.ids.every((id) => {
          const md = cluster.broker(id).metadataCache;
          return md.controllerId === controller && md.liveBrokers().map((b) => b.id).join() === '0,1,2';
        }),
      `round ${round} (${how}): every metadata cache lists brokers 0,1,2 and controller ${controller} after broker 0 re-registered (epoch ${epoch})`,
      5_000,
    );
  }

  it('the controller sees every re-registration after a kill (session closed at once)', async () => {
    for (let round = 1; round <= ROUNDS; round++) await restartAndExpectSeen('kill', round);
  });

  it('the controller sees every re-registration after a controlled stop', async () => {
    for (let round = 1; round <= ROUNDS; round++) await restartAndExpectSeen('stop', round);
  });

  it('back-to-back restarts without waiting in between end with every broker known', async () => {
    for (let round = 1; round <= ROUNDS; round++) await cluster.restart(0, { how: round % 2 ? 'kill' : 'stop' });
    await restartAndExpectSeen('kill', ROUNDS + 1);
  });
});
