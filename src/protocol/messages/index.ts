/**
 * The message registry: every request/response table of Kafka 2.7 that gregor describes, keyed
 * by API key (ARCHITECTURE §9). The router, the header decoder and ApiVersions read it from here.
 *
 * Notes:
 * - A table's version range is what Kafka 2.7 knows, not what a handler advertises: handlers
 *   declare their own (possibly narrower) ranges and ApiVersions is derived from those.
 * - Keys present in api-keys.ts but absent here (delegation tokens 38–41, client quotas 48–49,
 *   UpdateFeatures 57) have no table yet;
 *   `isFlexible` answers false for them, which is what header decoding needs for an unknown key
 *   (the request is then refused by the router, not misparsed by the header reader).
 * - A duplicate key is a programming error and fails at module load, before any socket opens.
 */
import type { Fields, MessageSpec } from '../schema.js';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from './add-offsets-to-txn.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from './add-partitions-to-txn.js';
import { AlterConfigsRequest, AlterConfigsResponse } from './alter-configs.js';
import { AlterIsrRequest, AlterIsrResponse } from './alter-isr.js';
import {
  AlterPartitionReassignmentsRequest,
  AlterPartitionReassignmentsResponse,
} from './alter-partition-reassignments.js';
import { AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse } from './alter-replica-log-dirs.js';
import { ApiVersionsRequest, ApiVersionsResponse } from './api-versions.js';
import { ControlledShutdownRequest, ControlledShutdownResponse } from './controlled-shutdown.js';
import { CreateAclsRequest, CreateAclsResponse } from './create-acls.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from './create-partitions.js';
import { CreateTopicsRequest, CreateTopicsResponse } from './create-topics.js';
import { DeleteAclsRequest, DeleteAclsResponse } from './delete-acls.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from './delete-groups.js';
import { DeleteRecordsRequest, DeleteRecordsResponse } from './delete-records.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from './delete-topics.js';
import { DescribeAclsRequest, DescribeAclsResponse } from './describe-acls.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from './describe-configs.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from './describe-groups.js';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from './describe-log-dirs.js';
import { ElectLeadersRequest, ElectLeadersResponse } from './elect-leaders.js';
import { EndTxnRequest, EndTxnResponse } from './end-txn.js';
import { FetchRequest, FetchResponse } from './fetch.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from './find-coordinator.js';
import { HeartbeatRequest, HeartbeatResponse } from './heartbeat.js';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from './incremental-alter-configs.js';
import { InitProducerIdRequest, InitProducerIdResponse } from './init-producer-id.js';
import { JoinGroupRequest, JoinGroupResponse } from './join-group.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from './leader-and-isr.js';
import { LeaveGroupRequest, LeaveGroupResponse } from './leave-group.js';
import { ListGroupsRequest, ListGroupsResponse } from './list-groups.js';
import { ListOffsetsRequest, ListOffsetsResponse } from './list-offsets.js';
import {
  ListPartitionReassignmentsRequest,
  ListPartitionReassignmentsResponse,
} from './list-partition-reassignments.js';
import { MetadataRequest, MetadataResponse } from './metadata.js';
import { OffsetCommitRequest, OffsetCommitResponse } from './offset-commit.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from './offset-delete.js';
import { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from './describe-user-scram-credentials.js';
import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from './alter-user-scram-credentials.js';
import { OffsetFetchRequest, OffsetFetchResponse } from './offset-fetch.js';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from './offset-for-leader-epoch.js';
import { ProduceRequest, ProduceResponse } from './produce.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from './sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from './sasl-handshake.js';
import { StopReplicaRequest, StopReplicaResponse } from './stop-replica.js';
import { SyncGroupRequest, SyncGroupResponse } from './sync-group.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from './txn-offset-commit.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from './update-metadata.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from './write-txn-markers.js';

export type AnyMessageSpec = MessageSpec<Fields>;

export interface MessagePair {
  readonly request: AnyMessageSpec;
  readonly response: AnyMessageSpec;
}

/** Every pair, in API-key order (the order ApiVersions lists them in). */
export const MESSAGE_PAIRS: readonly MessagePair[] = [
  { request: ProduceRequest, response: ProduceResponse }, // 0
  { request: FetchRequest, response: FetchResponse }, // 1
  { request: ListOffsetsRequest, response: ListOffsetsResponse }, // 2
  { request: MetadataRequest, response: MetadataResponse }, // 3
  { request: LeaderAndIsrRequest, response: LeaderAndIsrResponse }, // 4
  { request: StopReplicaRequest, response: StopReplicaResponse }, // 5
  { request: UpdateMetadataRequest, response: UpdateMetadataResponse }, // 6
  { request: ControlledShutdownRequest, response: ControlledShutdownResponse }, // 7
  { request: OffsetCommitRequest, response: OffsetCommitResponse }, // 8
  { request: OffsetFetchRequest, response: OffsetFetchResponse }, // 9
  { request: FindCoordinatorRequest, response: FindCoordinatorResponse }, // 10
  { request: JoinGroupRequest, response: JoinGroupResponse }, // 11
  { request: HeartbeatRequest, response: HeartbeatResponse }, // 12
  { request: LeaveGroupRequest, response: LeaveGroupResponse }, // 13
  { request: SyncGroupRequest, response: SyncGroupResponse }, // 14
  { request: DescribeGroupsRequest, response: DescribeGroupsResponse }, // 15
  { request: ListGroupsRequest, response: ListGroupsResponse }, // 16
  { request: SaslHandshakeRequest, response: SaslHandshakeResponse }, // 17
  { request: ApiVersionsRequest, response: ApiVersionsResponse }, // 18
  { request: CreateTopicsRequest, response: CreateTopicsResponse }, // 19
  { request: DeleteTopicsRequest, response: DeleteTopicsResponse }, // 20
  { request: DeleteRecordsRequest, response: DeleteRecordsResponse }, // 21
  { request: InitProducerIdRequest, response: InitProducerIdResponse }, // 22
  { request: OffsetForLeaderEpochRequest, response: OffsetForLeaderEpochResponse }, // 23
  { request: AddPartitionsToTxnRequest, response: AddPartitionsToTxnResponse }, // 24
  { request: AddOffsetsToTxnRequest, response: AddOffsetsToTxnResponse }, // 25
  { request: EndTxnRequest, response: EndTxnResponse }, // 26
  { request: WriteTxnMarkersRequest, response: WriteTxnMarkersResponse }, // 27
  { request: TxnOffsetCommitRequest, response: TxnOffsetCommitResponse }, // 28
  { request: DescribeAclsRequest, response: DescribeAclsResponse }, // 29
  { request: CreateAclsRequest, response: CreateAclsResponse }, // 30
  { request: DeleteAclsRequest, response: DeleteAclsResponse }, // 31
  { request: DescribeConfigsRequest, response: DescribeConfigsResponse }, // 32
  { request: AlterConfigsRequest, response: AlterConfigsResponse }, // 33
  { request: AlterReplicaLogDirsRequest, response: AlterReplicaLogDirsResponse }, // 34
  { request: DescribeLogDirsRequest, response: DescribeLogDirsResponse }, // 35
  { request: SaslAuthenticateRequest, response: SaslAuthenticateResponse }, // 36
  { request: CreatePartitionsRequest, response: CreatePartitionsResponse }, // 37
  { request: DeleteGroupsRequest, response: DeleteGroupsResponse }, // 42
  { request: ElectLeadersRequest, response: ElectLeadersResponse }, // 43
  { request: IncrementalAlterConfigsRequest, response: IncrementalAlterConfigsResponse }, // 44
  { request: AlterPartitionReassignmentsRequest, response: AlterPartitionReassignmentsResponse }, // 45
  { request: ListPartitionReassignmentsRequest, response: ListPartitionReassignmentsResponse }, // 46
  { request: OffsetDeleteRequest, response: OffsetDeleteResponse }, // 47
  { request: DescribeUserScramCredentialsRequest, response: DescribeUserScramCredentialsResponse }, // 50
  { request: AlterUserScramCredentialsRequest, response: AlterUserScramCredentialsResponse }, // 51
  { request: AlterIsrRequest, response: AlterIsrResponse }, // 56
];

function buildRegistry(pairs: readonly MessagePair[]): ReadonlyMap<number, MessagePair> {
  const map = new Map<number, MessagePair>();
  for (const pair of pairs) {
    const key = pair.request.apiKey;
    const clash = map.get(key);
    if (clash) throw new Error(`message registry: api key ${key} claimed by ${clash.request.name} and ${pair.request.name}`);
    map.set(key, pair);
  }
  return map;
}

export const MESSAGES: ReadonlyMap<number, MessagePair> = buildRegistry(MESSAGE_PAIRS);

/**
 * Whether `version` of API `apiKey` is a flexible version (request header v2, compact body).
 * False for an unknown key or a version outside the table's range: such a request is refused,
 * and reading its header the classic way is the best guess there is.
 */
export function isFlexible(apiKey: number, version: number): boolean {
  const pair = MESSAGES.get(apiKey);
  if (!pair || version < pair.request.minVersion || version > pair.request.maxVersion) return false;
  return pair.request.isFlexible(version);
}
