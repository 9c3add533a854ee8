import { describe, expect, it } from 'vitest';
import { topicCollisionKey, tpKey, validateTopicName } from '../../../src/common/topic-partition.js';
import { KafkaError } from '../../../src/common/errors.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';

describe('topic names', () => {
  it('accepts legal names', () => {
    for (const n of ['a', 'orders.v1', 'x_y-z', 'A'.repeat(249)]) expect(() => validateTopicName(n)).not.toThrow();
  });

  it.each(['', '.', '..', 'a b', 'é', 'a/b', 'A'.repeat(250)])('rejects %j with INVALID_TOPIC_EXCEPTION', (n) => {
    try {
      validateTopicName(n);
      expect.fail('accepted');
    } catch (e) {
      expect(e).toBeInstanceOf(KafkaError);
      expect((e as KafkaError).code).toBe(ErrorCode.InvalidTopicException);
    }
  });

  it('keys partitions like Kafka directories and detects metric-name collisions', () => {
    expect(tpKey({ topic: 'a.b', partition: 3 })).toBe('a.b-3');
    expect(topicCollisionKey('a.b')).toBe(topicCollisionKey('a_b'));
  });
});
