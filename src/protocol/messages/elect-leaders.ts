/**
 * ElectLeaders (key 43), v0–v2; v2 is flexible (Kafka 2.7 ElectLeadersRequest/Response.json;
 * v0 was ElectPreferredLeaders, KIP-183, renamed by KIP-460).
 *
 * Sent by admin clients (kafka-leader-election, Java AdminClient `electLeaders`) to the
 * controller. kafkajs, librdkafka 2.0.2 and kafka-python never send it.
 *
 * Traps:
 * - `electionType` is v1+ (KIP-460): 0 = PREFERRED, 1 = UNCLEAN. v0 requests are always
 *   preferred elections, so the absent field decodes as 0.
 * - A null `topicPartitions` means "every partition" (default null).
 * - The response's top-level `errorCode` is v1+; v0 reports errors only per partition.
 *   Per-partition `errorMessage` is nullable.
 * - `timeoutMs` is the *last* request field and defaults to 60000.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const ElectLeadersRequest = message(
  { apiKey: ApiKey.ElectLeaders, name: 'ElectLeadersRequest', versions: [0, 2], flexibleSince: 2 },
  {
    electionType: t.int8({ since: 1, default: 0 }),
    topicPartitions: t.structs(
      {
        topic: t.string(),
        partitions: t.array(t.int32()),
      },
      { nullable: true, default: null },
    ),
    timeoutMs: t.int32({ default: 60000 }),
  },
);

export const ElectLeadersResponse = message(
  { apiKey: ApiKey.ElectLeaders, name: 'ElectLeadersResponse', versions: [0, 2], flexibleSince: 2 },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16({ since: 1, default: 0 }),
    replicaElectionResults: t.structs({
      topic: t.string(),
      partitionResult: t.structs({
        partitionId: t.int32(),
        errorCode: t.int16(),
        errorMessage: t.string({ nullable: true }),
      }),
    }),
  },
);
