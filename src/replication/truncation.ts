/**
 * Where a follower truncates, given the leader's OffsetsForLeaderEpoch answer (Kafka 2.7
 * AbstractFetcherThread.getOffsetTruncationState; KIP-101, KIP-279). Pure: reads the follower's
 * log end offset and epoch cache, changes nothing.
 *
 * Rules, with the follower asking about its latest epoch E and the leader answering (Le, Lo):
 * 1. Lo = -1 (the leader knows no epoch ≤ E, e.g. no epoch cache): truncate to the initial fetch
 *    offset, which is the follower's high watermark; done.
 * 2. Le = -1 with Lo known (a leader on OffsetForLeaderEpoch v0): truncate to min(Lo, LEO); done.
 * 3. The follower knows epoch Le (its own end for Le is Fo, its largest epoch ≤ Le is Le itself):
 *    truncate to min(Fo, Lo, LEO); done.
 * 4. The follower's largest epoch ≤ Le is some F < Le (it never saw epoch Le — the fast double
 *    fail-over of KIP-279): truncate to min(end of F, LEO) and ask again with the new latest epoch.
 * 5. The follower knows no epoch ≤ Le: truncate to min(Lo, LEO); done (as before KIP-279).
 */
import type { EpochEndOffset } from './follower-partition.js';

export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface OffsetTruncationState {
  readonly offset: number;
  /** false: truncated to an intermediate offset; ask the leader again (rule 4) */
  readonly truncationCompleted: boolean;
}

export interface TruncationView {
  readonly logEndOffset: number;
  endOffsetForEpoch(epoch: number): EpochEndOffset;
}

export function offsetTruncationState(follower: TruncationView, leader: EpochEndOffset, initialFetchOffset: number): OffsetTruncationState {
  const logEndOffset = follower.logEndOffset;
  if (leader.endOffset === UNDEFINED_EPOCH_OFFSET) {
    return { offset: initialFetchOffset, truncationCompleted: true };
  }
  if (leader.leaderEpoch === UNDEFINED_EPOCH) {
    return { offset: Math.min(leader.endOffset, logEndOffset), truncationCompleted: true };
  }
  const own = follower.endOffsetForEpoch(leader.leaderEpoch);
  if (own.endOffset === UNDEFINED_EPOCH_OFFSET) {
    return { offset: Math.min(leader.endOffset, logEndOffset), truncationCompleted: true };
  }
  if (own.leaderEpoch !== leader.leaderEpoch) {
    return { offset: Math.min(own.endOffset, logEndOffset), truncationCompleted: false };
  }
  return { offset: Math.min(own.endOffset, leader.endOffset, logEndOffset), truncationCompleted: true };
}
