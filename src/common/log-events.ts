/**
 * The structured log records other programs read (the test harness's coordination timeline, the web view and
 * metrics): each is a pino JSON line whose `event` field holds one of the names below, with the fields listed.
 * Every record also has pino's `time` (ISO-8601, ms), `level`, `msg`, `pid`, and `brokerId` (the logging broker).
 * Partition fields are `topic` (string) and `partition` (number); `tp` ("topic-partition") stays for people.
 *
 * This is a contract: add events and fields freely, never rename or remove one, never change a field's type.
 *
 * | event                    | emitted by          | fields |
 * |--------------------------|---------------------|--------|
 * | broker-listening         | broker              | ports: { [listenerName]: boundPort } (before registration) |
 * | broker-registered        | broker              | brokerEpoch, reason: 'startup' \| 'session-expired' |
 * | broker-started           | broker              | ports, clusterId |
 * | broker-start-failed      | broker CLI          | err (with `code`, e.g. EADDRINUSE) |
 * | broker-stopped           | broker              | — |
 * | zk-session-expired       | ZooKeeper client    | sessionId (hex) |
 * | zk-session-established   | ZooKeeper client    | sessionId (hex), after an expiry |
 * | controller-elected       | controller          | epoch, epochZkVersion |
 * | controller-resigned      | controller          | epoch |
 * | controller-event         | controller          | controllerEvent (the event's type, e.g. 'broker-change'), subjectBroker? / topic? / partition? (what it is about) |
 * | partition-state-change   | controller          | topic, partition, from, to, leader?, leaderEpoch?, isr?, strategy? (election kind) |
 * | replica-state-change     | controller          | topic, partition, replica, from, to |
 * | become-leader            | partition leader    | topic, partition, leader, leaderEpoch, isr, controllerEpoch |
 * | become-follower          | partition follower  | topic, partition, leader, leaderEpoch, controllerEpoch |
 * | isr-shrink / isr-expand  | partition leader    | topic, partition, leaderEpoch, isr (before), newIsr, lagging? / follower? |
 * | isr-updated              | partition leader    | topic, partition, leaderEpoch, isr, zkVersion |
 */
export const LogEvent = {
  BrokerListening: 'broker-listening',
  BrokerRegistered: 'broker-registered',
  BrokerStarted: 'broker-started',
  BrokerStartFailed: 'broker-start-failed',
  BrokerStopped: 'broker-stopped',
  ZkSessionExpired: 'zk-session-expired',
  ZkSessionEstablished: 'zk-session-established',
  ControllerElected: 'controller-elected',
  ControllerResigned: 'controller-resigned',
  ControllerEvent: 'controller-event',
  PartitionStateChange: 'partition-state-change',
  ReplicaStateChange: 'replica-state-change',
  BecomeLeader: 'become-leader',
  BecomeFollower: 'become-follower',
  IsrShrink: 'isr-shrink',
  IsrExpand: 'isr-expand',
  IsrUpdated: 'isr-updated',
} as const;

export type LogEventName = (typeof LogEvent)[keyof typeof LogEvent];

/** `{ topic, partition }` of a partition, for the records above. */
export function tpFields(tp: { topic: string; partition: number }): { topic: string; partition: number } {
  return { topic: tp.topic, partition: tp.partition };
}
