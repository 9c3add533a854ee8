/**
 * WriteTxnMarkers (key 27), v0 only, not flexible in 2.7 (flexible v1 arrives with 2.8).
 *
 * Sent by a transaction coordinator to the leaders of the partitions a transaction touched, to
 * append COMMIT or ABORT control batches (KIP-98; transactions-and-compaction.md). Cluster
 * action: brokers only, no client sends it.
 *
 * Traps:
 * - `transactionResult` is a bool: true = COMMIT, false = ABORT.
 * - `coordinatorEpoch` comes last in each marker (after the topics), and is written into the
 *   control record so a zombie coordinator's markers can be told apart.
 * - The response has no top-level error and no throttle time: errors are per partition.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const WriteTxnMarkersRequest = message(
  { apiKey: ApiKey.WriteTxnMarkers, name: 'WriteTxnMarkersRequest', versions: [0, 0] },
  {
    markers: t.structs({
      producerId: t.int64(),
      producerEpoch: t.int16(),
      transactionResult: t.bool(),
      topics: t.structs({
        name: t.string(),
        partitionIndexes: t.array(t.int32()),
      }),
      coordinatorEpoch: t.int32(),
    }),
  },
);

export const WriteTxnMarkersResponse = message(
  { apiKey: ApiKey.WriteTxnMarkers, name: 'WriteTxnMarkersResponse', versions: [0, 0] },
  {
    markers: t.structs({
      producerId: t.int64(),
      topics: t.structs({
        name: t.string(),
        partitions: t.structs({
          partitionIndex: t.int32(),
          errorCode: t.int16(),
        }),
      }),
    }),
  },
);
