import { KafkaError } from './errors.js';
import { ErrorCode } from '../protocol/error-codes.js';

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** Map key for a partition; matches Kafka's directory name `<topic>-<partition>`. */
export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

const LEGAL = /^[a-zA-Z0-9._-]+$/;
export const MAX_TOPIC_NAME_LENGTH = 249;

/** Kafka's Topic.validate: legal characters, length, not "." or "..". */
export function validateTopicName(name: string): void {
  if (name.length === 0) throw new KafkaError(ErrorCode.InvalidTopicException, 'Topic name is illegal, it can\'t be empty');
  if (name === '.' || name === '..') {
    throw new KafkaError(ErrorCode.InvalidTopicException, 'Topic name cannot be "." or ".."');
  }
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    throw new KafkaError(
      ErrorCode.InvalidTopicException,
      `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${name}`,
    );
  }
  if (!LEGAL.test(name)) {
    throw new KafkaError(
      ErrorCode.InvalidTopicException,
      `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
    );
  }
}

/** Kafka warns that '.' and '_' collide in metric names; CreateTopics refuses such collisions. */
export function topicCollisionKey(name: string): string {
  return name.replace(/\./g, '_');
}
