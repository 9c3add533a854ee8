import { describe, expect, it } from 'vitest';
import {
  controlledShutdownLeader,
  offlinePartitionLeader,
  preferredReplicaLeader,
  reassignPartitionLeader,
} from '../../../src/controller/election.js';

const live = (...ids: number[]) => (id: number) => ids.includes(id);

describe('leader election rules', () => {
  it('offline: first live ISR member in assignment order, ISR filtered to live', () => {
    expect(offlinePartitionLeader([1, 2, 3], [3, 2, 1], live(2, 3), false)).toEqual({ leader: 2, isr: [3, 2], unclean: false });
  });

  it('offline: no live ISR member → no leader unless unclean is allowed', () => {
    expect(offlinePartitionLeader([1, 2, 3], [1], live(2, 3), false)).toBeNull();
    expect(offlinePartitionLeader([1, 2, 3], [1], live(2, 3), true)).toEqual({ leader: 2, isr: [2], unclean: true });
    expect(offlinePartitionLeader([1, 2], [1], live(), true)).toBeNull();
  });

  it('offline: a returning sole ISR member is elected again', () => {
    expect(offlinePartitionLeader([1, 2, 3], [3], live(1, 2, 3), false)).toEqual({ leader: 3, isr: [3], unclean: false });
  });

  it('reassign: first live ISR member of the target set', () => {
    expect(reassignPartitionLeader([4, 5], [1, 5, 4], live(4, 5))).toEqual({ leader: 4, isr: [1, 5, 4], unclean: false });
    expect(reassignPartitionLeader([4, 5], [1], live(4, 5))).toBeNull();
  });

  it('preferred: only the first replica, if live and in the ISR', () => {
    expect(preferredReplicaLeader([2, 1], [1, 2], live(1, 2))?.leader).toBe(2);
    expect(preferredReplicaLeader([2, 1], [1], live(1, 2))).toBeNull();
    expect(preferredReplicaLeader([2, 1], [1, 2], live(1))).toBeNull();
  });

  it('controlled shutdown: moves leadership off shutting-down brokers and shrinks the ISR', () => {
    const down = new Set([1]);
    expect(controlledShutdownLeader([1, 2, 3], [1, 2, 3], live(2, 3), down)).toEqual({ leader: 2, isr: [2, 3], unclean: false });
    expect(controlledShutdownLeader([1, 2], [1], live(2), down)).toBeNull();
  });
});
