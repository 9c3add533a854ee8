/**
 * The message registry (src/protocol/messages/index.ts): one pair per API key, request and
 * response agreeing with each other, with api-keys.ts, and with Kafka 2.7's version table
 * (protocol.md §1, copied below as data); `isFlexible` for header decoding; and every table's
 * defaults encode and decode at every version it claims.
 */
import { describe, expect, it } from 'vitest';
import { ApiKey } from '../../../../src/protocol/api-keys.js';
import { MESSAGE_PAIRS, MESSAGES, isFlexible } from '../../../../src/protocol/messages/index.js';
import { decode, encode } from './codec-kit.js';

/** Kafka 2.7: [api key, max version, first flexible version or null]. Every min version is 0. */
const KAFKA_2_7: ReadonlyArray<readonly [number, number, number | null]> = [
  [0, 8, null], // Produce
  [1, 12, 12], // Fetch
  [2, 5, null], // ListOffsets
  [3, 9, 9], // Metadata
  [4, 4, 4], // LeaderAndIsr
  [5, 3, 2], // StopReplica
  [6, 6, 6], // UpdateMetadata
  [7, 3, 3], // ControlledShutdown
  [8, 8, 8], // OffsetCommit
  [9, 7, 6], // OffsetFetch
  [10, 3, 3], // FindCoordinator
  [11, 7, 6], // JoinGroup
  [12, 4, 4], // Heartbeat
  [13, 4, 4], // LeaveGroup
  [14, 5, 4], // SyncGroup
  [15, 5, 5], // DescribeGroups
  [16, 4, 3], // ListGroups
  [17, 1, null], // SaslHandshake
  [18, 3, 3], // ApiVersions
  [19, 6, 5], // CreateTopics
  [20, 5, 4], // DeleteTopics
  [21, 2, 2], // DeleteRecords
  [22, 4, 2], // InitProducerId
  [23, 3, null], // OffsetForLeaderEpoch
  [24, 2, null], // AddPartitionsToTxn
  [25, 2, null], // AddOffsetsToTxn
  [26, 2, null], // EndTxn
  [27, 0, null], // WriteTxnMarkers
  [28, 3, 3], // TxnOffsetCommit
  [29, 2, 2], // DescribeAcls
  [30, 2, 2], // CreateAcls
  [31, 2, 2], // DeleteAcls
  [32, 3, null], // DescribeConfigs
  [33, 1, null], // AlterConfigs
  [34, 1, null], // AlterReplicaLogDirs
  [35, 2, 2], // DescribeLogDirs
  [36, 2, 2], // SaslAuthenticate
  [37, 3, 2], // CreatePartitions
  [38, 2, 2], // CreateDelegationToken
  [39, 2, 2], // RenewDelegationToken
  [40, 2, 2], // ExpireDelegationToken
  [41, 2, 2], // DescribeDelegationToken
  [42, 2, 2], // DeleteGroups
  [43, 2, 2], // ElectLeaders
  [44, 1, 1], // IncrementalAlterConfigs
  [45, 0, 0], // AlterPartitionReassignments
  [46, 0, 0], // ListPartitionReassignments
  [47, 0, null], // OffsetDelete
  [48, 0, null], // DescribeClientQuotas
  [49, 0, null], // AlterClientQuotas
  [50, 0, 0], // DescribeUserScramCredentials
  [51, 0, 0], // AlterUserScramCredentials
  [56, 0, 0], // AlterIsr
  [57, 0, 0], // UpdateFeatures
];
const EXPECTED = new Map(KAFKA_2_7.map(([key, max, flex]) => [key, { max, flex }]));

/** Keys of the 2.7 table that have no message table yet (nothing serves them). */
const NOT_YET_DESCRIBED = [38, 39, 40, 41, 48, 49, 57];

const ROLES = ['request', 'response'] as const;

describe('message registry', () => {
  it('has no duplicate api keys and lists pairs in ascending key order', () => {
    const keys = MESSAGE_PAIRS.map((p) => p.request.apiKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(MESSAGES.size).toBe(MESSAGE_PAIRS.length);
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    for (const [key, pair] of MESSAGES) expect(pair.request.apiKey).toBe(key);
  });

  it('covers every 2.7 key except the ones not described yet', () => {
    const expected = KAFKA_2_7.map(([key]) => key).filter((k) => !NOT_YET_DESCRIBED.includes(k));
    expect([...MESSAGES.keys()]).toEqual(expected);
  });

  it.each(MESSAGE_PAIRS.map((p) => [p.request.name, p] as const))('%s: request and response agree', (_name, pair) => {
    const { request, response } = pair;
    expect(response.apiKey).toBe(request.apiKey);
    expect([response.minVersion, response.maxVersion]).toEqual([request.minVersion, request.maxVersion]);
    expect(response.flexibleSince).toBe(request.flexibleSince);
    expect(request.name).toMatch(/Request$/);
    expect(response.name).toBe(request.name.replace(/Request$/, 'Response'));
  });

  it.each(MESSAGE_PAIRS.map((p) => [p.request.name, p] as const))('%s: api key matches api-keys.ts', (_name, pair) => {
    for (const role of ROLES) {
      const spec = pair[role];
      const apiName = spec.name.replace(/(Request|Response)$/, '');
      expect(Object.hasOwn(ApiKey, apiName), `${apiName} in ApiKey`).toBe(true);
      expect(spec.apiKey).toBe(ApiKey[apiName as keyof typeof ApiKey]);
    }
  });

  it.each(MESSAGE_PAIRS.map((p) => [p.request.name, p] as const))('%s: versions match Kafka 2.7', (_name, pair) => {
    const want = EXPECTED.get(pair.request.apiKey);
    expect(want, 'key is in the 2.7 table').toBeDefined();
    for (const role of ROLES) {
      const spec = pair[role];
      expect([spec.minVersion, spec.maxVersion]).toEqual([0, want!.max]);
      expect(spec.flexibleSince).toBe(want!.flex ?? Infinity);
    }
  });

  it.each(MESSAGE_PAIRS.map((p) => [p.request.name, p] as const))(
    '%s: defaults encode and decode at every version',
    (_name, pair) => {
      for (const role of ROLES) {
        const spec = pair[role];
        for (let v = spec.minVersion; v <= spec.maxVersion; v++) {
          const bytes = encode(spec, v, spec.defaults());
          const decoded = decode(spec, v, bytes); // and nothing is left over
          // decoding the defaults and encoding again is byte-stable
          expect(encode(spec, v, decoded), `${spec.name} v${v} stable`).toEqual(bytes);
        }
      }
    },
  );
});

describe('message registry - isFlexible', () => {
  it('follows each table from its first flexible version', () => {
    for (const [key, pair] of MESSAGES) {
      const want = EXPECTED.get(key)!;
      for (let v = 0; v <= pair.request.maxVersion; v++) {
        expect(isFlexible(key, v), `key ${key} v${v}`).toBe(want.flex !== null && v >= want.flex);
      }
    }
  });

  it('spot checks', () => {
    expect(isFlexible(ApiKey.ApiVersions, 3)).toBe(true);
    expect(isFlexible(ApiKey.ApiVersions, 2)).toBe(false);
    expect(isFlexible(ApiKey.Produce, 8)).toBe(false);
    expect(isFlexible(ApiKey.Fetch, 12)).toBe(true);
    expect(isFlexible(ApiKey.StopReplica, 2)).toBe(true);
    expect(isFlexible(ApiKey.ControlledShutdown, 0)).toBe(false);
    expect(isFlexible(ApiKey.AlterIsr, 0)).toBe(true);
  });

  it('is false for unknown keys and for versions outside the table', () => {
    expect(isFlexible(ApiKey.LeaderAndIsr, 5)).toBe(false); // v5 is Kafka 2.8
    expect(isFlexible(ApiKey.Metadata, 10)).toBe(false);
    expect(isFlexible(ApiKey.Metadata, -1)).toBe(false);
    expect(isFlexible(ApiKey.UpdateFeatures, 0)).toBe(false); // no table
    expect(isFlexible(52, 0)).toBe(false); // Vote: disabled in 2.7
    expect(isFlexible(999, 0)).toBe(false);
    expect(isFlexible(-1, 0)).toBe(false);
  });
});
