/**
 * DescribeUserScramCredentials (key 50), v0 only, flexible from v0 (Kafka 2.7
 * DescribeUserScramCredentials{Request,Response}.json, KIP-554).
 *
 * Sent by: Kafka's Java admin client (2.7+) and librdkafka ≥ 2.2; not by the clients tested here
 * (kafkajs 2.2.4, librdkafka 2.0.2, kafka-python 2.0.2).
 *
 * Traps:
 * - Users null or empty = every user that has a SCRAM credential.
 * - Mechanism is the public ScramMechanism type: 1 SCRAM-SHA-256, 2 SCRAM-SHA-512 (0 UNKNOWN).
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const DescribeUserScramCredentialsRequest = message(
  { apiKey: ApiKey.DescribeUserScramCredentials, name: 'DescribeUserScramCredentialsRequest', versions: [0, 0], flexibleSince: 0 },
  {
    users: t.structs({ name: t.string() }, { nullable: true, default: null }),
  },
);

export const DescribeUserScramCredentialsResponse = message(
  { apiKey: ApiKey.DescribeUserScramCredentials, name: 'DescribeUserScramCredentialsResponse', versions: [0, 0], flexibleSince: 0 },
  {
    throttleTimeMs: t.int32(),
    errorCode: t.int16(),
    errorMessage: t.string({ nullable: true }),
    results: t.structs({
      user: t.string(),
      errorCode: t.int16(),
      errorMessage: t.string({ nullable: true }),
      credentialInfos: t.structs({
        mechanism: t.int8(),
        iterations: t.int32(),
      }),
    }),
  },
);
