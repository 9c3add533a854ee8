import { describe, expect, it } from 'vitest';
import { classifyBrokerChange } from '../../../src/controller/controller.js';
import {
  PartitionStateName as P,
  VALID_PREVIOUS_PARTITION_STATES,
  isValidPartitionTransition,
} from '../../../src/controller/partition-state-machine.js';
import {
  ReplicaStateName as R,
  VALID_PREVIOUS_REPLICA_STATES,
  isValidReplicaTransition,
  removeReplicaFromIsr,
} from '../../../src/controller/replica-state-machine.js';

const allPartitionStates = Object.values(P);
const allReplicaStates = Object.values(R);

describe('partition state machine - transitions', () => {
  it('allows exactly Kafka\'s transitions', () => {
    const allowed = allPartitionStates.flatMap((from) => allPartitionStates.filter((to) => isValidPartitionTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(
      [
        'NonExistentPartition->NewPartition',
        'NewPartition->OnlinePartition',
        'OnlinePartition->OnlinePartition',
        'OfflinePartition->OnlinePartition',
        'NewPartition->OfflinePartition',
        'OnlinePartition->OfflinePartition',
        'OfflinePartition->OfflinePartition',
        'OfflinePartition->NonExistentPartition',
      ].sort(),
    );
    expect(Object.keys(VALID_PREVIOUS_PARTITION_STATES).sort()).toEqual([...allPartitionStates].sort());
  });

  it('refuses deleting an online partition and re-creating a live one', () => {
    expect(isValidPartitionTransition(P.OnlinePartition, P.NonExistentPartition)).toBe(false);
    expect(isValidPartitionTransition(P.OnlinePartition, P.NewPartition)).toBe(false);
    expect(isValidPartitionTransition(P.NonExistentPartition, P.OnlinePartition)).toBe(false);
  });
});

describe('replica state machine - transitions', () => {
  it('allows exactly Kafka\'s transitions', () => {
    const expected: Record<string, string[]> = {
      NewReplica: ['NonExistentReplica'],
      OnlineReplica: ['NewReplica', 'OnlineReplica', 'OfflineReplica', 'ReplicaDeletionIneligible'],
      OfflineReplica: ['NewReplica', 'OnlineReplica', 'OfflineReplica', 'ReplicaDeletionIneligible'],
      ReplicaDeletionStarted: ['OfflineReplica'],
      ReplicaDeletionSuccessful: ['ReplicaDeletionStarted'],
      ReplicaDeletionIneligible: ['OfflineReplica', 'ReplicaDeletionStarted'],
      NonExistentReplica: ['ReplicaDeletionSuccessful'],
    };
    for (const to of allReplicaStates) {
      expect([...VALID_PREVIOUS_REPLICA_STATES[to]].sort(), to).toEqual(expected[to]!.sort());
      for (const from of allReplicaStates) expect(isValidReplicaTransition(from, to)).toBe(expected[to]!.includes(from));
    }
  });

  it('deletion must pass through OfflineReplica and ReplicaDeletionStarted', () => {
    expect(isValidReplicaTransition(R.OnlineReplica, R.ReplicaDeletionStarted)).toBe(false);
    expect(isValidReplicaTransition(R.OnlineReplica, R.ReplicaDeletionSuccessful)).toBe(false);
    expect(isValidReplicaTransition(R.OfflineReplica, R.NonExistentReplica)).toBe(false);
  });
});

describe('replica state machine - ISR removal (OfflineReplica)', () => {
  it('removes a follower and bumps the leader epoch with the current controller epoch', () => {
    expect(removeReplicaFromIsr({ leader: 1, leaderEpoch: 4, isr: [1, 2, 3], controllerEpoch: 2 }, 2, 5)).toEqual({
      leader: 1,
      leaderEpoch: 5,
      isr: [1, 3],
      controllerEpoch: 5,
    });
  });

  it('removing the leader leaves no leader', () => {
    expect(removeReplicaFromIsr({ leader: 1, leaderEpoch: 0, isr: [1, 2], controllerEpoch: 1 }, 1, 1)).toEqual({
      leader: -1,
      leaderEpoch: 1,
      isr: [2],
      controllerEpoch: 1,
    });
  });

  it('never removes the last ISR member', () => {
    expect(removeReplicaFromIsr({ leader: 3, leaderEpoch: 7, isr: [3], controllerEpoch: 1 }, 3, 2)).toEqual({
      leader: -1,
      leaderEpoch: 8,
      isr: [3],
      controllerEpoch: 2,
    });
  });
});

describe('broker change classification', () => {
  it('classifies new, dead and bounced brokers by id and czxid', () => {
    const cached = new Map([
      [1, 100],
      [2, 200],
      [3, 300],
    ]);
    const current = new Map([
      [1, 100], // unchanged
      [3, 350], // re-registered: bounced
      [4, 400], // new
    ]);
    expect(classifyBrokerChange(cached, current)).toEqual({ newBrokerIds: [4], deadBrokerIds: [2], bouncedBrokerIds: [3] });
  });

  it('a smaller or equal czxid is not a bounce', () => {
    expect(classifyBrokerChange(new Map([[1, 10]]), new Map([[1, 10]])).bouncedBrokerIds).toEqual([]);
    expect(classifyBrokerChange(new Map([[1, 10]]), new Map([[1, 9]])).bouncedBrokerIds).toEqual([]);
  });

  it('first sight of a cluster: everything is new', () => {
    expect(classifyBrokerChange(new Map(), new Map([[2, 1], [1, 2]]))).toEqual({ newBrokerIds: [1, 2], deadBrokerIds: [], bouncedBrokerIds: [] });
  });
});
