/**
 * Kafka's replica placement (AdminUtils.assignReplicasToBrokers, zk-and-controller.md §10.2).
 *
 * Rack-unaware: preferred leaders go round-robin from a random start; each follower sits at a
 * shift of 1..n-1 from the first replica, and the shift grows by one after every n partitions so
 * successive rounds use different follower sets. Rack-aware placement interleaves brokers by
 * rack first. CreatePartitions continues an existing assignment with a fixed start index.
 */
import { KafkaError } from '../common/errors.js';
import { ErrorCode } from '../protocol/error-codes.js';
import { ZK_MAX_REQUEST_BYTES } from '../zk/znodes.js';

export interface BrokerPlacement {
  id: number;
  rack: string | null;
}

export type Assignment = Map<number, number[]>;

/**
 * A topic's assignment lives in one znode, `/brokers/topics/<t>`, and a write larger than ZooKeeper's request
 * limit (jute.maxbuffer) is refused by dropping the connection. Each partition takes at least `"p":[r,...],`
 * there (6 + 2 × replicas bytes), so larger counts could never be stored. Kafka 2.7 has no cap and tries (a
 * CreateTopics of 2^31 − 1 partitions builds the assignment in memory first); gregor refuses with
 * INVALID_PARTITIONS before allocating anything.
 */
export function checkPartitionCount(nPartitions: number, replicationFactor: number): void {
  const atLeast = nPartitions * (6 + 2 * replicationFactor);
  if (atLeast > ZK_MAX_REQUEST_BYTES) {
    throw new KafkaError(
      ErrorCode.InvalidPartitions,
      `${nPartitions} partitions of ${replicationFactor} replicas cannot be stored: the topic's assignment znode would exceed ZooKeeper's ${ZK_MAX_REQUEST_BYTES}-byte limit.`,
    );
  }
}

export interface AssignOptions {
  fixedStartIndex?: number;
  startPartitionId?: number;
  random?: () => number;
}

export function assignReplicasToBrokers(
  brokers: readonly BrokerPlacement[],
  nPartitions: number,
  replicationFactor: number,
  opts: AssignOptions = {},
): Assignment {
  if (nPartitions <= 0) throw new KafkaError(ErrorCode.InvalidPartitions, 'Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) {
    throw new KafkaError(ErrorCode.InvalidReplicationFactor, 'Replication factor must be larger than 0.');
  }
  if (replicationFactor > brokers.length) {
    throw new KafkaError(
      ErrorCode.InvalidReplicationFactor,
      `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
    );
  }
  checkPartitionCount(nPartitions, replicationFactor);
  // Safe mode (what auto-create and CreateTopics use): racks only when every broker has one.
  const rackAware = brokers.every((b) => b.rack !== null);
  return rackAware && brokers.length > 0
    ? assignRackAware(brokers, nPartitions, replicationFactor, opts)
    : assignRackUnaware(brokers.map((b) => b.id), nPartitions, replicationFactor, opts);
}

function draws(n: number, opts: AssignOptions): { startIndex: number; shift: number } {
  const fixed = opts.fixedStartIndex ?? -1;
  const rnd = opts.random ?? Math.random;
  return fixed >= 0 ? { startIndex: fixed, shift: fixed } : { startIndex: Math.floor(rnd() * n), shift: Math.floor(rnd() * n) };
}

function assignRackUnaware(ids: readonly number[], nPartitions: number, rf: number, opts: AssignOptions): Assignment {
  const n = ids.length;
  const out: Assignment = new Map();
  const { startIndex, shift: initialShift } = draws(n, opts);
  let shift = initialShift;
  let p = Math.max(0, opts.startPartitionId ?? -1);
  for (let i = 0; i < nPartitions; i++, p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + startIndex) % n;
    const replicas = [ids[first]!];
    for (let j = 0; j < rf - 1; j++) replicas.push(ids[(first + replicaShift(shift, j, n)) % n]!);
    out.set(p, replicas);
  }
  return out;
}

function replicaShift(shift: number, j: number, n: number): number {
  return 1 + ((shift + j) % (n - 1));
}

/** Interleave brokers one per rack in turn: racks sorted by name, brokers by id within a rack. */
export function rackAlternatedBrokers(brokers: readonly BrokerPlacement[]): BrokerPlacement[] {
  const byRack = new Map<string, BrokerPlacement[]>();
  for (const b of [...brokers].sort((a, c) => a.id - c.id)) {
    const list = byRack.get(b.rack!) ?? [];
    list.push(b);
    byRack.set(b.rack!, list);
  }
  const racks = [...byRack.keys()].sort();
  const out: BrokerPlacement[] = [];
  for (let round = 0; out.length < brokers.length; round++) {
    for (const r of racks) {
      const b = byRack.get(r)![round];
      if (b) out.push(b);
    }
  }
  return out;
}

function assignRackAware(brokers: readonly BrokerPlacement[], nPartitions: number, rf: number, opts: AssignOptions): Assignment {
  const list = rackAlternatedBrokers(brokers);
  const n = list.length;
  const numRacks = new Set(list.map((b) => b.rack)).size;
  const out: Assignment = new Map();
  const d = draws(n, opts);
  let shift = d.shift;
  let p = Math.max(0, opts.startPartitionId ?? -1);
  for (let i = 0; i < nPartitions; i++, p++) {
    if (p > 0 && p % n === 0) shift++;
    const first = (p + d.startIndex) % n;
    const leader = list[first]!;
    const replicas = [leader.id];
    const racksWith = new Set([leader.rack]);
    const brokersWith = new Set([leader.id]);
    let k = 0;
    while (replicas.length < rf) {
      const b = list[(first + 1 + ((shift * numRacks + k) % (n - 1))) % n]!;
      k++;
      const rackTaken = racksWith.has(b.rack) && racksWith.size < numRacks;
      const brokerTaken = brokersWith.has(b.id) && brokersWith.size < n;
      if (rackTaken || brokerTaken) continue;
      replicas.push(b.id);
      racksWith.add(b.rack);
      brokersWith.add(b.id);
    }
    out.set(p, replicas);
  }
  return out;
}

/** CreatePartitions: continue an existing assignment (same RF; start after the first replica of p0). */
export function assignNewPartitions(
  brokers: readonly BrokerPlacement[],
  existing: Assignment,
  newCount: number,
): Assignment {
  const current = existing.size;
  if (newCount <= current) {
    throw new KafkaError(
      ErrorCode.InvalidPartitions,
      `Topic currently has ${current} partitions, ${newCount} would not be an increase.`,
    );
  }
  const p0 = existing.get(0) ?? [];
  checkPartitionCount(newCount, p0.length);
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const idx = sorted.findIndex((b) => b.id >= (p0[0] ?? 0));
  return assignReplicasToBrokers(sorted, newCount - current, p0.length, {
    fixedStartIndex: Math.max(0, idx),
    startPartitionId: current,
  });
}
