/**
 * DeleteRecords (key 21), v0–v2; v2 is flexible (Kafka 2.7 DeleteRecordsRequest/Response.json).
 *
 * Who sends what (protocol.md §2.4): kafkajs v1, librdkafka v1; kafka-python has no
 * DeleteRecords. Sent to each partition's leader, not to the controller.
 *
 * Traps:
 * - `offset` -1 means "the current high watermark"; above the HW → OFFSET_OUT_OF_RANGE (§8.4).
 * - `lowWatermark` is the new log start offset, answered once it has been replicated.
 * - Partition results put `lowWatermark` before `errorCode` (unlike most responses).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const DeleteRecordsRequest = message(
  { apiKey: ApiKey.DeleteRecords, name: 'DeleteRecordsRequest', versions: [0, 2], flexibleSince: 2 },
  {
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        offset: t.int64(),
      }),
    }),
    timeoutMs: t.int32(),
  },
);

export const DeleteRecordsResponse = message(
  { apiKey: ApiKey.DeleteRecords, name: 'DeleteRecordsResponse', versions: [0, 2], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    topics: t.structs({
      name: t.string(),
      partitions: t.structs({
        partitionIndex: t.int32(),
        lowWatermark: t.int64(),
        errorCode: t.int16(),
      }),
    }),
  },
);
