/**
 * AlterUserScramCredentials (key 51), v0 only, flexible from v0 (Kafka 2.7
 * AlterUserScramCredentials{Request,Response}.json, KIP-554).
 *
 * Sent by: Kafka's Java admin client (2.7+, kafka-configs.sh --bootstrap-server) and librdkafka
 * ≥ 2.2; not by the clients tested here.
 *
 * Traps:
 * - The client sends the salt and the salted password (never the password); the broker derives
 *   stored_key/server_key and writes `/config/users/<user>` like kafka-configs.sh --zookeeper.
 * - Served by the controller only (NOT_CONTROLLER elsewhere); one result per affected user.
 */
import { ApiKey } from '../api-keys.js';
import { message, t } from '../schema.js';

export const AlterUserScramCredentialsRequest = message(
  { apiKey: ApiKey.AlterUserScramCredentials, name: 'AlterUserScramCredentialsRequest', versions: [0, 0], flexibleSince: 0 },
  {
    deletions: t.structs({
      name: t.string(),
      mechanism: t.int8(),
    }),
    upsertions: t.structs({
      name: t.string(),
      mechanism: t.int8(),
      iterations: t.int32(),
      salt: t.bytes(),
      saltedPassword: t.bytes(),
    }),
  },
);

export const AlterUserScramCredentialsResponse = message(
  { apiKey: ApiKey.AlterUserScramCredentials, name: 'AlterUserScramCredentialsResponse', versions: [0, 0], flexibleSince: 0 },
  {
    throttleTimeMs: t.int32(),
    results: t.structs({
      user: t.string(),
      errorCode: t.int16(),
      errorMessage: t.string({ nullable: true }),
    }),
  },
);
