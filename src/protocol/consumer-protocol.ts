/**
 * ConsumerProtocol payloads (Kafka 2.7 ConsumerProtocolSubscription.json and
 * ConsumerProtocolAssignment.json, versions 0–1, never flexible): the bytes carried opaquely in
 * JoinGroup protocol metadata (subscription) and SyncGroup assignments when ProtocolType is
 * "consumer". The broker never needs them to run a group; the group coordinator decodes them
 * only to mirror subscriptions and partition owners into ZooKeeper (ARCHITECTURE §6).
 *
 * Layout: int16 version, then the struct of that version with classic (non-compact) encodings.
 *   Subscription v0: Topics [string], UserData nullable bytes; v1 adds OwnedPartitions
 *                    [Topic string, Partitions [int32]] (KIP-429).
 *   Assignment  v0–1: AssignedPartitions [Topic string, Partitions [int32]], UserData nullable bytes.
 *
 * Traps:
 * - Newer versions (Kafka 2.8+ adds GenerationId, 3.x RackId) only append fields: like Kafka's
 *   ConsumerProtocol we read a higher version with the newest layout we know and ignore the
 *   trailing bytes. A negative version is rejected.
 * - kafkajs writes userData as empty bytes, never null; Java writes null when absent.
 * - SyncGroup hands a member *empty* assignment bytes when the leader assigned it nothing or the
 *   sync failed; decodeAssignment answers null for those, as kafkajs does.
 */
import { ProtocolError } from './errors.js';
import { Reader, Writer } from './primitives.js';
import { decodeStruct, encodeStruct, t, type Infer, type Input } from './schema.js';

/** Highest version of both payloads in Kafka 2.7. */
export const CONSUMER_PROTOCOL_MAX_VERSION = 1;

const TopicPartitions = {
  topic: t.string(),
  partitions: t.array(t.int32()),
};

const SubscriptionFields = {
  topics: t.array(t.string()),
  userData: t.bytes({ nullable: true }),
  ownedPartitions: t.structs(TopicPartitions, { since: 1 }),
};

const AssignmentFields = {
  assignedPartitions: t.structs(TopicPartitions),
  userData: t.bytes({ nullable: true }),
};

/** `version` is the one on the wire, even when higher than the layout we could read. */
export type Subscription = { version: number } & Infer<typeof SubscriptionFields>;
export type Assignment = { version: number } & Infer<typeof AssignmentFields>;

function readVersion(r: Reader, what: string): number {
  const version = r.int16();
  if (version < 0) throw new ProtocolError(`unsupported ${what} version ${version}`);
  return version;
}

function checkEncodeVersion(version: number, what: string): void {
  // Writing a higher version without its fields would make real readers run short.
  if (!Number.isInteger(version) || version < 0 || version > CONSUMER_PROTOCOL_MAX_VERSION) {
    throw new RangeError(`cannot encode ${what} version ${version}`);
  }
}

export function decodeSubscription(buf: Buffer): Subscription {
  const r = new Reader(buf);
  const version = readVersion(r, 'subscription');
  const body = decodeStruct(r, SubscriptionFields, Math.min(version, CONSUMER_PROTOCOL_MAX_VERSION), false);
  return { version, ...(body as Infer<typeof SubscriptionFields>) };
}

export function encodeSubscription(s: { version: number } & Input<typeof SubscriptionFields>): Buffer {
  checkEncodeVersion(s.version, 'subscription');
  const w = new Writer();
  w.int16(s.version);
  encodeStruct(w, SubscriptionFields, s, s.version, false);
  return w.toBuffer();
}

/** null for a zero-length assignment (a member given nothing). */
export function decodeAssignment(buf: Buffer): Assignment | null {
  if (buf.length === 0) return null;
  const r = new Reader(buf);
  const version = readVersion(r, 'assignment');
  const body = decodeStruct(r, AssignmentFields, Math.min(version, CONSUMER_PROTOCOL_MAX_VERSION), false);
  return { version, ...(body as Infer<typeof AssignmentFields>) };
}

export function encodeAssignment(a: { version: number } & Input<typeof AssignmentFields>): Buffer {
  checkEncodeVersion(a.version, 'assignment');
  const w = new Writer();
  w.int16(a.version);
  encodeStruct(w, AssignmentFields, a, a.version, false);
  return w.toBuffer();
}
