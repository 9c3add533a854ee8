/**
 * What a test reads of its cluster, through the harness's own ZooKeeper session (never through the proxies):
 * registered brokers and their epochs, the controller, partition states, the `gregor zk-tree` rendering — and
 * the waits built on them. Every wait polls with a deadline, fails at once when a broker process exits without
 * being asked to (its log tail in the message), and on timeout prints the ZooKeeper tree.
 */
import { readZkTree, renderZkTree } from '../cli/zk-tree.js';
import type { TopicPartition } from '../common/topic-partition.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import type { PartitionState } from '../zk/znodes.js';

export interface WaitOptions {
  timeoutMs?: number;
}

const POLL_MS = 25;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export abstract class ClusterViews {
  /** The harness's ZooKeeper client, on the cluster's chroot. */
  abstract readonly zk: KafkaZkClient;
  /** `host:port,...[/chroot]` of the real ZooKeeper servers, with the cluster's chroot. */
  abstract readonly zookeeperConnect: string;

  /** Throws when a broker exited unexpectedly (called between polls). */
  protected abstract checkExits(what: string): void;

  /** Registered broker ids (children of /brokers/ids), ascending. */
  brokerIds(): Promise<number[]> {
    return this.zk.getBrokerIds();
  }

  /** The broker epoch (czxid of /brokers/ids/<id>), or null when not registered. */
  async brokerEpoch(id: number): Promise<number | null> {
    return (await this.zk.getBroker(id))?.epoch ?? null;
  }

  /** Current controller id, -1 when none. */
  controllerId(): Promise<number> {
    return this.zk.getControllerId();
  }

  async controllerEpoch(): Promise<number | null> {
    return (await this.zk.getControllerEpoch())?.epoch ?? null;
  }

  /** The partition's state znode (leader, leader epoch, ISR, controller epoch), or null when absent. */
  async partitionState(tp: TopicPartition): Promise<PartitionState | null> {
    return (await this.zk.getPartitionState(tp))?.state ?? null;
  }

  /** The text `gregor zk-tree` prints, for failure messages. */
  async describe(): Promise<string> {
    return renderZkTree(await readZkTree(this.zk, this.zookeeperConnect));
  }

  /**
   * Polls `fn` until it returns a value other than false/null/undefined. Fails at once when a broker process
   * exits without being asked to (its log tail is in the message), and on timeout with the zk-tree.
   */
  async waitFor<T>(fn: () => Promise<T> | T, what: string, timeoutMs = 30_000): Promise<Exclude<T, false | null | undefined>> {
    const deadline = Date.now() + timeoutMs;
    let last = 'never called';
    for (;;) {
      try {
        const v = await fn();
        if (v !== false && v !== null && v !== undefined) return v as Exclude<T, false | null | undefined>;
        last = `last value: ${JSON.stringify(v)}`;
      } catch (err) {
        last = `last error: ${err instanceof Error ? err.message : String(err)}`;
      }
      this.checkExits(what);
      if (Date.now() >= deadline) {
        const tree = await this.describe().catch((e: unknown) => `(zk-tree failed: ${String(e)})`);
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})\n${tree}`);
      }
      await sleep(POLL_MS);
    }
  }

  /** Waits until `ids` are registered (`exact`: and no other broker is; default false). */
  async waitForBrokers(ids: readonly number[], opts: WaitOptions & { exact?: boolean } = {}): Promise<number[]> {
    const want = [...ids].sort((a, b) => a - b);
    return this.waitFor(
      async () => {
        const have = await this.zk.getBrokerIds();
        const ok = want.every((id) => have.includes(id)) && (!opts.exact || have.length === want.length);
        return ok ? have : null;
      },
      `brokers [${want.join(',')}] registered`,
      opts.timeoutMs ?? 30_000,
    );
  }

  /** Waits until broker `id` is registered with an epoch other than `previous` (after a session expiry). */
  async waitForBrokerEpochChange(id: number, previous: number | null, opts: WaitOptions = {}): Promise<number> {
    return this.waitFor(
      async () => {
        const e = await this.brokerEpoch(id);
        return e !== null && e !== previous ? e : null;
      },
      `broker ${id} registered with a new epoch (was ${previous})`,
      opts.timeoutMs ?? 30_000,
    );
  }

  /** Waits for a controller (other than `not`) that is a registered broker; resolves with its id. */
  async waitForController(opts: WaitOptions & { not?: number } = {}): Promise<number> {
    return this.waitFor(
      async () => {
        const c = await this.zk.getControllerId();
        if (c < 0 || c === opts.not) return null;
        return (await this.zk.getBrokerIds()).includes(c) ? c : null;
      },
      `a controller${opts.not !== undefined ? ` other than ${opts.not}` : ''}`,
      opts.timeoutMs ?? 30_000,
    );
  }

  /** Waits until the partition has a leader (other than `not`); resolves with the leader id. */
  async waitForLeader(tp: TopicPartition, opts: WaitOptions & { not?: number } = {}): Promise<number> {
    return this.waitFor(
      async () => {
        const s = await this.partitionState(tp);
        if (!s || s.leader < 0 || s.leader === opts.not) return null;
        return s.leader;
      },
      `a leader for ${tp.topic}-${tp.partition}${opts.not !== undefined ? ` other than ${opts.not}` : ''}`,
      opts.timeoutMs ?? 30_000,
    );
  }

  /** Waits until the partition's ISR is exactly `ids` (any order); resolves with the state. */
  async waitForIsr(tp: TopicPartition, ids: readonly number[], opts: WaitOptions = {}): Promise<PartitionState> {
    const want = [...ids].sort((a, b) => a - b).join(',');
    return this.waitFor(
      async () => {
        const s = await this.partitionState(tp);
        return s && [...s.isr].sort((a, b) => a - b).join(',') === want ? s : null;
      },
      `ISR of ${tp.topic}-${tp.partition} = [${want}]`,
      opts.timeoutMs ?? 30_000,
    );
  }
}
