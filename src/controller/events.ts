/**
 * The controller's events (Kafka's ControllerEvent hierarchy, zk-and-controller.md §4.1, §5): a
 * discriminated union processed one at a time by the controller's single event loop. ZooKeeper
 * watches, API calls, broker responses and timers only ever *enqueue* one of these (aesthetics rule 6).
 *
 * Events that answer a caller (ControlledShutdown, ElectLeaders, …) carry `resolve`/`reject`; when the
 * queue is cleared (session expiry, shutdown) they are rejected with NOT_CONTROLLER-style errors, as
 * Kafka answers the callbacks of dropped events.
 */
import type { TopicPartition } from '../common/topic-partition.js';
import type { MessageValue } from '../protocol/schema.js';
import type { LeaderAndIsrResponse } from '../protocol/messages/leader-and-isr.js';
import type { OngoingReassignment, PartitionReassignmentResult, ReassignmentRequest } from './partition-reassignment.js';

/** ElectLeaders `ElectionType`: 0 = PREFERRED, 1 = UNCLEAN (KIP-460). */
export const ElectionType = { Preferred: 0, Unclean: 1 } as const;
export type ElectionType = (typeof ElectionType)[keyof typeof ElectionType];

/** Per-partition answer of an election request (ElectLeaders response entry). */
export interface PartitionElectionResult {
  tp: TopicPartition;
  /** ErrorCode value; 0 = elected */
  errorCode: number;
  errorMessage: string | null;
  /** the leader after a successful election */
  leader?: number;
}

export interface Reply<T> {
  resolve(value: T): void;
  reject(err: Error): void;
}

export type ControllerEvent =
  // lifecycle
  | { type: 'startup' }
  | { type: 'shutdown' }
  | { type: 'expire' }
  | { type: 'register-and-reelect' }
  // /controller watch
  | { type: 'reelect' }
  | { type: 'controller-change' }
  // controller-only ZooKeeper watches
  | { type: 'broker-change' }
  | { type: 'broker-modification'; brokerId: number }
  | { type: 'topic-change' }
  | { type: 'partition-modifications'; topic: string }
  | { type: 'topic-deletion' }
  | { type: 'isr-change-notification' }
  | { type: 'preferred-replica-election-zk' }
  /** /admin/reassign_partitions existence watch; `rearmOnly` for data changes (only creation is acted on) */
  | { type: 'zk-partition-reassignment'; rearmOnly: boolean }
  /** data watch on the state znode of a partition being reassigned (PartitionReassignmentIsrChange) */
  | { type: 'partition-reassignment-isr-change'; tp: TopicPartition }
  // timers
  | { type: 'auto-preferred-leader-election' }
  /** unclean.leader.election.enable turned on dynamically: elect offline partitions (Kafka's UncleanLeaderElectionEnable) */
  | { type: 'unclean-leader-election-enable' }
  // broker responses
  | { type: 'leader-and-isr-response'; brokerId: number; response: MessageValue<typeof LeaderAndIsrResponse> }
  | {
      type: 'topic-deletion-stop-replica-response';
      brokerId: number;
      requestErrorCode: number;
      partitionErrors: Array<{ tp: TopicPartition; errorCode: number }>;
    }
  // API calls (answered through `reply`)
  | { type: 'controlled-shutdown'; brokerId: number; brokerEpoch: number; reply: Reply<TopicPartition[]> }
  | {
      type: 'elect-leaders';
      electionType: ElectionType;
      partitions: TopicPartition[] | null;
      reply: Reply<PartitionElectionResult[]>;
    }
  | {
      type: 'alter-partition-reassignments';
      reassignments: ReassignmentRequest[];
      reply: Reply<PartitionReassignmentResult[]>;
    }
  | { type: 'list-partition-reassignments'; partitions: TopicPartition[] | null; reply: Reply<OngoingReassignment[]> };

export type ControllerEventType = ControllerEvent['type'];

/** Events that answer a caller through `reply` (rejected when dropped). */
export type ReplyingEvent = Extract<ControllerEvent, { reply: unknown }>;

export function isReplyingEvent(event: ControllerEvent): event is ReplyingEvent {
  return 'reply' in event;
}

/** Events whose processing only makes sense on the active controller (ignored elsewhere). */
export const ACTIVE_ONLY_EVENTS: ReadonlySet<ControllerEventType> = new Set<ControllerEventType>([
  'broker-change',
  'broker-modification',
  'topic-change',
  'partition-modifications',
  'topic-deletion',
  'isr-change-notification',
  'preferred-replica-election-zk',
  'zk-partition-reassignment',
  'partition-reassignment-isr-change',
  'auto-preferred-leader-election',
  'unclean-leader-election-enable',
  'leader-and-isr-response',
  'topic-deletion-stop-replica-response',
]);

/** What an event is about, for its log record (`subjectBroker`, `topic`, `partition`); empty for the others. */
export function eventSubject(event: ControllerEvent): { subjectBroker?: number; topic?: string; partition?: number } {
  switch (event.type) {
    case 'broker-modification':
    case 'leader-and-isr-response':
    case 'topic-deletion-stop-replica-response':
    case 'controlled-shutdown':
      return { subjectBroker: event.brokerId };
    case 'partition-modifications':
      return { topic: event.topic };
    case 'partition-reassignment-isr-change':
      return { topic: event.tp.topic, partition: event.tp.partition };
    default:
      return {};
  }
}
