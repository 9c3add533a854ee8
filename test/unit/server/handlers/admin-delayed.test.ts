/**
 * The delayed admin operations on their own: DelayedCreatePartitions (every created partition led
 * by a live broker) and DelayedDeleteTopics (topic gone from the cache) in a Purgatory on a manual
 * clock, completion by checkAndComplete, expiry, and the shared error helpers.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { KafkaError } from '../../../../src/common/errors.js';
import { silentLogger } from '../../../../src/common/logger.js';
import { ConfigError } from '../../../../src/config/config-def.js';
import { ErrorCode } from '../../../../src/protocol/error-codes.js';
import {
  API_ERROR_NONE,
  DelayedCreatePartitions,
  DelayedDeleteTopics,
  answerWithoutWaiting,
  apiError,
  awaitAdmin,
  toApiError,
  type ApiError,
} from '../../../../src/server/delayed-admin.js';
import { MetadataCache } from '../../../../src/metadata/metadata-cache.js';
import { Purgatory, type DelayedOperation } from '../../../../src/purgatory/purgatory.js';
import { ledPartitions, liveBrokers } from '../../../integration/admin/handler-kit.js';

function setup() {
  const clock = new ManualClock(0);
  const cache = new MetadataCache();
  const purgatory = new Purgatory<DelayedOperation>({ name: 'admin', clock, log: silentLogger() });
  const publish = (brokers: number[], partitions = ledPartitions('x', [])) => {
    cache.update({ controllerId: 1, controllerEpoch: 1, liveBrokers: liveBrokers(brokers), partitions });
    purgatory.checkAndComplete('md');
  };
  return { clock, cache, purgatory, publish };
}

describe('admin delayed operations', () => {
  it('DelayedCreatePartitions completes when every created partition has a live leader; failed items are not waited for', async () => {
    const { cache, purgatory, publish, clock } = setup();
    publish([1, 2]);
    const failed = apiError(ErrorCode.InvalidConfig, 'bad');
    const done = awaitAdmin(purgatory, 'md', (respond) =>
      new DelayedCreatePartitions(clock.now() + 1000, cache, [
        { topic: 'a', partitions: [0, 1], error: API_ERROR_NONE },
        { topic: 'b', partitions: [], error: failed },
      ], respond),
    );
    publish([1, 2], ledPartitions('a', [[3], [2]])); // partition 0 led by broker 3, which is not alive
    expect(purgatory.delayed).toBe(1);
    publish([1, 2, 3]);
    expect(await done).toEqual([API_ERROR_NONE, failed]);
  });

  it('DelayedCreatePartitions expiry: REQUEST_TIMED_OUT for the items still missing leaders only', async () => {
    const { cache, purgatory, publish, clock } = setup();
    publish([1], ledPartitions('led', [[1]]));
    const done = awaitAdmin(purgatory, 'md', (respond) =>
      new DelayedCreatePartitions(clock.now() + 1000, cache, [
        { topic: 'led', partitions: [0], error: API_ERROR_NONE },
        { topic: 'unled', partitions: [0], error: API_ERROR_NONE },
      ], respond),
    );
    clock.advance(1000);
    expect(await done).toEqual([API_ERROR_NONE, apiError(ErrorCode.RequestTimedOut)]);
  });

  it('DelayedDeleteTopics completes at once when the topics are already gone, or on expiry with REQUEST_TIMED_OUT', async () => {
    const { cache, purgatory, publish, clock } = setup();
    publish([1], ledPartitions('kept', [[1]]));
    const gone = await awaitAdmin(purgatory, 'md', (respond) => new DelayedDeleteTopics(clock.now() + 10, cache, [{ topic: 'gone', error: API_ERROR_NONE }], respond));
    expect(gone).toEqual([API_ERROR_NONE]);
    const unknown = apiError(ErrorCode.UnknownTopicOrPartition);
    const kept = awaitAdmin(purgatory, 'md', (respond) =>
      new DelayedDeleteTopics(clock.now() + 10, cache, [{ topic: 'kept', error: API_ERROR_NONE }, { topic: 'nope', error: unknown }], respond),
    );
    clock.advance(10);
    expect(await kept).toEqual([apiError(ErrorCode.RequestTimedOut), unknown]);
  });

  it('answerWithoutWaiting: successes become REQUEST_TIMED_OUT unless validating; errors stay', () => {
    const errors: ApiError[] = [API_ERROR_NONE, apiError(ErrorCode.InvalidRequest, 'x')];
    expect(answerWithoutWaiting(errors, false)).toEqual([apiError(ErrorCode.RequestTimedOut), errors[1]]);
    expect(answerWithoutWaiting(errors, true)).toEqual(errors);
  });

  it('toApiError: KafkaError keeps code and message, ConfigError is INVALID_CONFIG, anything else UNKNOWN_SERVER_ERROR', () => {
    const log = silentLogger();
    expect(toApiError(new KafkaError(ErrorCode.InvalidPartitions, 'no'), log, 'x')).toEqual({ code: ErrorCode.InvalidPartitions, message: 'no' });
    expect(toApiError(new ConfigError(['bad value']), log, 'x')).toEqual({ code: ErrorCode.InvalidConfig, message: 'bad value' });
    expect(toApiError(new Error('boom'), log, 'x')).toEqual({ code: ErrorCode.UnknownServerError, message: 'boom' });
    expect(toApiError('text', log, 'x')).toEqual({ code: ErrorCode.UnknownServerError, message: 'text' });
  });
});
