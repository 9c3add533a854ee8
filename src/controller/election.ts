/**
 * Leader election rules (Kafka's PartitionLeaderElectionAlgorithms, zk-and-controller.md §7).
 * Pure functions: the controller supplies the assignment in ZooKeeper order (element 0 is the
 * preferred replica), the ISR read fresh from ZooKeeper and the live-broker sets.
 */

export interface ElectionResult {
  leader: number;
  isr: number[];
  unclean: boolean;
}

/** New/offline partitions: first live ISR member in assignment order; unclean only if allowed. */
export function offlinePartitionLeader(
  assignment: readonly number[],
  isr: readonly number[],
  isLive: (id: number) => boolean,
  allowUnclean: boolean,
): ElectionResult | null {
  const clean = assignment.find((r) => isLive(r) && isr.includes(r));
  if (clean !== undefined) return { leader: clean, isr: isr.filter(isLive), unclean: false };
  if (!allowUnclean) return null;
  const any = assignment.find(isLive);
  return any === undefined ? null : { leader: any, isr: [any], unclean: true };
}

/** Reassignment completion: first live ISR member of the target replicas; ISR unchanged. */
export function reassignPartitionLeader(
  target: readonly number[],
  isr: readonly number[],
  isLive: (id: number) => boolean,
): ElectionResult | null {
  const leader = target.find((r) => isLive(r) && isr.includes(r));
  return leader === undefined ? null : { leader, isr: [...isr], unclean: false };
}

/** Preferred election: the first assigned replica, only if it is live and in the ISR. */
export function preferredReplicaLeader(
  assignment: readonly number[],
  isr: readonly number[],
  isLive: (id: number) => boolean,
): ElectionResult | null {
  const preferred = assignment[0];
  if (preferred === undefined || !isLive(preferred) || !isr.includes(preferred)) return null;
  return { leader: preferred, isr: [...isr], unclean: false };
}

/** Controlled shutdown: a live ISR member that is not shutting down; shutting-down brokers leave the ISR. */
export function controlledShutdownLeader(
  assignment: readonly number[],
  isr: readonly number[],
  isLive: (id: number) => boolean,
  shuttingDown: ReadonlySet<number>,
): ElectionResult | null {
  const leader = assignment.find((r) => (isLive(r) || shuttingDown.has(r)) && isr.includes(r) && !shuttingDown.has(r));
  if (leader === undefined) return null;
  return { leader, isr: isr.filter((r) => !shuttingDown.has(r)), unclean: false };
}
