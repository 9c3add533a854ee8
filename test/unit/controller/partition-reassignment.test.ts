/**
 * The reassignment algebra of the controller (Kafka's ReplicaAssignment: ORS/TRS, reassignTo,
 * maybeBuildReassignment) and the validation of API target lists (replicasAreValid).
 */
import { describe, expect, it } from 'vitest';
import {
  buildReassignment,
  isBeingReassigned,
  originReplicas,
  reassignTo,
  sameAssignment,
  structuralProblem,
  targetReplicas,
  targetReplicasProblem,
} from '../../../src/controller/partition-reassignment.js';
import { replicaAssignment } from '../../../src/zk/znodes.js';

describe('partition reassignment - assignment algebra', () => {
  it('reassignTo: RS = TRS followed by the ORS members not in TRS; AR = RS − ORS; RR = RS − TRS', () => {
    expect(reassignTo(replicaAssignment([1, 2, 3]), [4, 5, 6])).toEqual({
      replicas: [4, 5, 6, 1, 2, 3],
      addingReplicas: [4, 5, 6],
      removingReplicas: [1, 2, 3],
    });
    expect(reassignTo(replicaAssignment([0, 1]), [1, 2])).toEqual({ replicas: [1, 2, 0], addingReplicas: [2], removingReplicas: [0] });
    // a pure reorder moves nothing
    const reorder = reassignTo(replicaAssignment([0, 1]), [1, 0]);
    expect(reorder).toEqual(replicaAssignment([1, 0]));
    expect(isBeingReassigned(reorder)).toBe(false);
  });

  it('ORS and TRS of an assignment in flight', () => {
    const a = { replicas: [4, 5, 6, 1, 2, 3], addingReplicas: [4, 5, 6], removingReplicas: [1, 2, 3] };
    expect(originReplicas(a)).toEqual([1, 2, 3]);
    expect(targetReplicas(a)).toEqual([4, 5, 6]);
    expect(isBeingReassigned(a)).toBe(true);
    expect(targetReplicas(replicaAssignment([3, 1]))).toEqual([3, 1]);
  });

  it('a reassignment replacing one in flight starts from ORS, not from RS', () => {
    const inFlight = reassignTo(replicaAssignment([0, 1]), [1, 2]); // [1,2,0] +[2] −[0]
    expect(reassignTo(inFlight, [1, 3])).toEqual({ replicas: [1, 3, 0], addingReplicas: [3], removingReplicas: [0] });
    // going back to ORS by hand is a completion with nothing to add or remove
    expect(reassignTo(inFlight, [0, 1])).toEqual(replicaAssignment([0, 1]));
  });

  it('buildReassignment: cancel returns to ORS (in RS order) when in flight, and is nothing to do otherwise', () => {
    const inFlight = reassignTo(replicaAssignment([0, 1]), [1, 2]);
    expect(buildReassignment(inFlight, null)).toEqual(replicaAssignment([1, 0]));
    expect(buildReassignment(replicaAssignment([0, 1]), null)).toBeNull();
    expect(buildReassignment(replicaAssignment([0, 1]), [2])).toEqual({ replicas: [2, 0, 1], addingReplicas: [2], removingReplicas: [0, 1] });
  });

  it('sameAssignment compares all three lists, in order', () => {
    expect(sameAssignment(replicaAssignment([1, 2]), replicaAssignment([1, 2]))).toBe(true);
    expect(sameAssignment(replicaAssignment([1, 2]), replicaAssignment([2, 1]))).toBe(false);
    expect(sameAssignment({ replicas: [1, 2], addingReplicas: [2], removingReplicas: [] }, replicaAssignment([1, 2]))).toBe(false);
  });
});

describe('partition reassignment - target validation', () => {
  const live = new Set([0, 1, 2]);

  it('refuses empty lists, duplicates and negative ids', () => {
    expect(structuralProblem([])).toMatch(/empty/);
    expect(structuralProblem([1, 1])).toMatch(/duplicates/);
    expect(structuralProblem([1, -1])).toMatch(/negative/);
    expect(structuralProblem([2, 0])).toBeNull();
  });

  it('new replicas must be on live brokers; replicas already assigned may be offline', () => {
    expect(targetReplicasProblem(replicaAssignment([0, 1]), [1, 9], live)).toMatch(/\[9\] are not on live brokers/);
    expect(targetReplicasProblem(replicaAssignment([7, 1]), [7, 2], live)).toBeNull(); // 7 is not added
    expect(targetReplicasProblem(replicaAssignment([0, 1]), [1, 2], live)).toBeNull();
    expect(targetReplicasProblem(replicaAssignment([]), [1, 2], live)).toBeNull(); // unknown partition: decided later
    expect(targetReplicasProblem(replicaAssignment([0, 1]), [], live)).toMatch(/empty/);
  });
});
