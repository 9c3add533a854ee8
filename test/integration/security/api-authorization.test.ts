/**
 * Every API's authorization as Kafka 2.7's KafkaApis applies it, asked with raw requests by bob, a
 * PLAIN user holding only the ACLs each case grants (User:admin is the super user), on a broker
 * configured with the old `kafka.security.auth.SimpleAclAuthorizer` class name:
 * - topic APIs: CreateTopics (CREATE), DeleteTopics (DESCRIBE then DELETE), CreatePartitions
 *   (ALTER), DeleteRecords (DELETE), ListOffsets and OffsetForLeaderEpoch (DESCRIBE) → per-topic
 *   TOPIC_AUTHORIZATION_FAILED;
 * - configs: DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or the
 *   cluster for a broker (CLUSTER_AUTHORIZATION_FAILED);
 * - cluster APIs: DescribeLogDirs (an empty answer), ElectLeaders, Alter/ListPartitionReassignments,
 *   AlterReplicaLogDirs,
 *   the ACL APIs, StopReplica, UpdateMetadata, ControlledShutdown → CLUSTER_AUTHORIZATION_FAILED;
 * - groups: FindCoordinator / DescribeGroups (DESCRIBE), JoinGroup / Heartbeat / OffsetCommit
 *   (READ), DeleteGroups / OffsetDelete (DELETE), OffsetFetch (DESCRIBE group, DESCRIBE topics),
 *   ListGroups filtered to the groups bob may describe;
 * - transactional ids: FindCoordinator, a transactional Produce, InitProducerId, AddPartitionsToTxn,
 *   AddOffsetsToTxn, EndTxn, TxnOffsetCommit → TRANSACTIONAL_ID_AUTHORIZATION_FAILED without WRITE on
 *   the id; with it, the topic (WRITE) and group (READ) checks that follow; InitProducerId without a
 *   transactional id needs IDEMPOTENT_WRITE, WriteTxnMarkers CLUSTER_ACTION;
 * - CreateAcls validation and UNKNOWN elements (the connection is closed, as Kafka's parser does).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclOperation, AclPatternType, AclPermissionType, AclResourceType } from '../../../src/common/acl.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { BrokerClient } from '../../../src/network/client.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../../src/protocol/messages/create-topics.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../../src/protocol/messages/delete-topics.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../../src/protocol/messages/create-partitions.js';
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../../../src/protocol/messages/delete-records.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../../src/protocol/messages/list-offsets.js';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../../src/protocol/messages/offset-for-leader-epoch.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../../src/protocol/messages/describe-configs.js';
import { AlterConfigsRequest, AlterConfigsResponse } from '../../../src/protocol/messages/alter-configs.js';
import { IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../../src/protocol/messages/incremental-alter-configs.js';
import { DescribeLogDirsRequest, DescribeLogDirsResponse } from '../../../src/protocol/messages/describe-log-dirs.js';
import { ElectLeadersRequest, ElectLeadersResponse } from '../../../src/protocol/messages/elect-leaders.js';
import { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../../src/protocol/messages/alter-partition-reassignments.js';
import { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../../src/protocol/messages/list-partition-reassignments.js';
import { AlterReplicaLogDirsRequest, AlterReplicaLogDirsResponse } from '../../../src/protocol/messages/alter-replica-log-dirs.js';
import { StopReplicaRequest, StopReplicaResponse } from '../../../src/protocol/messages/stop-replica.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../../src/protocol/messages/update-metadata.js';
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../../../src/protocol/messages/controlled-shutdown.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../../src/protocol/messages/find-coordinator.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../../src/protocol/messages/describe-groups.js';
import { JoinGroupRequest, JoinGroupResponse } from '../../../src/protocol/messages/join-group.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../../src/protocol/messages/heartbeat.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../../src/protocol/messages/offset-commit.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../../src/protocol/messages/offset-fetch.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../../src/protocol/messages/offset-delete.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../../src/protocol/messages/delete-groups.js';
import { ListGroupsRequest, ListGroupsResponse } from '../../../src/protocol/messages/list-groups.js';
import { CreateAclsRequest, CreateAclsResponse } from '../../../src/protocol/messages/create-acls.js';
import { DescribeAclsRequest, DescribeAclsResponse } from '../../../src/protocol/messages/describe-acls.js';
import { DeleteAclsRequest, DeleteAclsResponse } from '../../../src/protocol/messages/delete-acls.js';
import { ProduceRequest, ProduceResponse } from '../../../src/protocol/messages/produce.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../../src/protocol/messages/init-producer-id.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../../src/protocol/messages/add-partitions-to-txn.js';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../../src/protocol/messages/add-offsets-to-txn.js';
import { EndTxnRequest, EndTxnResponse } from '../../../src/protocol/messages/end-txn.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../../src/protocol/messages/txn-offset-commit.js';
import { WriteTxnMarkersRequest, WriteTxnMarkersResponse } from '../../../src/protocol/messages/write-txn-markers.js';
import { buildRecordBatch } from '../../../src/protocol/records/index.js';
import type { Cluster } from '../../harness/cluster.js';
import { kafkaClients } from '../../harness/clients.js';
import type { TestPki } from '../../../src/bench/pki.js';
import { kafkajsOptions, newPki, saslClient, securePorts, startAuthorizedBroker, tempDir, type Credentials, type SecureListeners } from './security-kit.js';

let cluster: Cluster;
let pki: TestPki;
let ports: SecureListeners;
let cleanup: () => Promise<void>;
let bob: BrokerClient;
let admin: BrokerClient;

const ADMIN: Credentials = { mechanism: 'PLAIN', user: 'admin', password: 'admin-secret' };
const BOB: Credentials = { mechanism: 'PLAIN', user: 'bob', password: 'bob-secret' };
const P = { partitionIndex: 0 };

beforeAll(async () => {
  const tmp = await tempDir('gregor-sec-apiauthz-');
  cleanup = tmp.remove;
  pki = await newPki(tmp.dir);
  ports = await securePorts();
  const users = { admin: ADMIN.password, bob: BOB.password };
  // the pre-2.4 class name, which Kafka 2.7 still accepts, selects the same authorizer
  cluster = await startAuthorizedBroker(pki, ports, users, 'kafka.security.auth.SimpleAclAuthorizer');
  const clients = kafkaClients(`127.0.0.1:${ports.SASL_PLAINTEXT}`, kafkajsOptions('SASL_PLAINTEXT', pki, ADMIN));
  try {
    const a = await clients.admin();
    await a.createTopics({ topics: [{ topic: 'orders', numPartitions: 1, replicationFactor: 1 }, { topic: 'bob-topic', numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await clients.disconnectAll();
  }
  bob = saslClient(ports.SASL_PLAINTEXT, BOB);
  admin = saslClient(ports.SASL_PLAINTEXT, ADMIN);
  // bob may describe topics and groups prefixed bob- (and nothing else)
  const acl = (resourceType: number, operation: number) => ({
    resourceType,
    resourceName: 'bob-',
    resourcePatternType: AclPatternType.Prefixed,
    principal: 'User:bob',
    host: '*',
    operation,
    permissionType: AclPermissionType.Allow,
  });
  const created = await admin.send({ request: CreateAclsRequest, response: CreateAclsResponse }, 1, {
    creations: [acl(AclResourceType.Topic, AclOperation.Describe), acl(AclResourceType.Group, AclOperation.Describe)],
  });
  expect(created.results.map((r) => r.errorCode)).toEqual([0, 0]);
  // the group bob-g exists (admin commits an offset), as does admin-g
  for (const groupId of ['bob-g', 'admin-g']) {
    for (let i = 0; ; i++) {
      const fc = await admin.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 1, { key: groupId, keyType: 0 });
      if (fc.errorCode === 0) break;
      if (i > 100) throw new Error(`FindCoordinator for ${groupId}: ${fc.errorCode}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    for (let i = 0; ; i++) {
      const oc = await admin.send({ request: OffsetCommitRequest, response: OffsetCommitResponse }, 2, {
        groupId,
        generationId: -1,
        memberId: '',
        topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 0, committedMetadata: null }] }],
      });
      const code = oc.topics[0]!.partitions[0]!.errorCode;
      if (code === 0) break;
      if (i > 50) throw new Error(`offset commit for ${groupId}: ${code}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}, 120_000);

afterAll(async () => {
  await bob?.close();
  await admin?.close();
  await cluster?.close();
  await cleanup?.();
});

describe('topic APIs', () => {
  it('CreateTopics needs CREATE (cluster or topic), DeleteTopics DESCRIBE and DELETE, CreatePartitions ALTER, DeleteRecords DELETE', async () => {
    const ct = await bob.send({ request: CreateTopicsRequest, response: CreateTopicsResponse }, 4, {
      topics: [{ name: 'new-topic', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: true,
    });
    expect(ct.topics.map((t) => [t.name, t.errorCode])).toEqual([['new-topic', ErrorCode.TopicAuthorizationFailed]]);
    const dt = await bob.send({ request: DeleteTopicsRequest, response: DeleteTopicsResponse }, 3, { topicNames: ['orders', 'bob-topic'], timeoutMs: 5000 });
    expect(dt.responses.map((t) => [t.name, t.errorCode])).toEqual([
      ['orders', ErrorCode.TopicAuthorizationFailed],
      ['bob-topic', ErrorCode.TopicAuthorizationFailed],
    ]);
    const cp = await bob.send({ request: CreatePartitionsRequest, response: CreatePartitionsResponse }, 1, {
      topics: [{ name: 'orders', count: 3, assignments: null }],
      timeoutMs: 5000,
      validateOnly: true,
    });
    expect(cp.results.map((t) => [t.name, t.errorCode])).toEqual([['orders', ErrorCode.TopicAuthorizationFailed]]);
    const dr = await bob.send({ request: DeleteRecordsRequest, response: DeleteRecordsResponse }, 1, {
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, offset: 0 }] }],
      timeoutMs: 5000,
    });
    expect(dr.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TopicAuthorizationFailed);
    // still there
    expect((await admin.send({ request: ListOffsetsRequest, response: ListOffsetsResponse }, 1, { replicaId: -1, topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, timestamp: -1 }] }] })).topics[0]!.partitions[0]!.errorCode).toBe(0);
  });

  it('ListOffsets and OffsetForLeaderEpoch need DESCRIBE on the topic', async () => {
    const lo = await bob.send({ request: ListOffsetsRequest, response: ListOffsetsResponse }, 4, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] },
        { name: 'bob-topic', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] },
      ],
    });
    expect(lo.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([
      ['orders', ErrorCode.TopicAuthorizationFailed],
      ['bob-topic', 0],
    ]);
    const ofle = await bob.send({ request: OffsetForLeaderEpochRequest, response: OffsetForLeaderEpochResponse }, 3, {
      replicaId: -1,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
        { name: 'bob-topic', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
      ],
    });
    expect(ofle.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([
      ['orders', ErrorCode.TopicAuthorizationFailed],
      ['bob-topic', 0],
    ]);
  });

  it('a transactional Produce needs WRITE on the transactional id', async () => {
    const records = buildRecordBatch([{ timestamp: Date.now(), value: Buffer.from('x') }], { producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true });
    const r = await bob.send({ request: ProduceRequest, response: ProduceResponse }, 8, {
      transactionalId: 'bob-tx',
      acks: -1,
      timeoutMs: 5000,
      topics: [{ name: 'bob-topic', partitions: [{ partitionIndex: 0, records }] }],
    } as never);
    expect(r.responses[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TransactionalIdAuthorizationFailed);
  });
});

describe('configs', () => {
  it('DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic or the cluster', async () => {
    const dc = await bob.send({ request: DescribeConfigsRequest, response: DescribeConfigsResponse }, 2, {
      resources: [
        { resourceType: 2, resourceName: 'bob-topic', configurationKeys: null },
        { resourceType: 4, resourceName: '0', configurationKeys: null },
      ],
      includeSynonyms: false,
    });
    expect(dc.results.map((r) => [r.resourceName, r.errorCode, r.configs.length])).toEqual([
      ['bob-topic', ErrorCode.TopicAuthorizationFailed, 0],
      ['0', ErrorCode.ClusterAuthorizationFailed, 0],
    ]);
    const ac = await bob.send({ request: AlterConfigsRequest, response: AlterConfigsResponse }, 1, {
      resources: [
        { resourceType: 2, resourceName: 'bob-topic', configs: [{ name: 'retention.ms', value: '1000' }] },
        { resourceType: 4, resourceName: '', configs: [{ name: 'log.cleaner.threads', value: '2' }] },
      ],
      validateOnly: true,
    });
    expect(ac.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([
      ['bob-topic', ErrorCode.TopicAuthorizationFailed],
      ['', ErrorCode.ClusterAuthorizationFailed],
    ]);
    const iac = await bob.send({ request: IncrementalAlterConfigsRequest, response: IncrementalAlterConfigsResponse }, 0, {
      resources: [{ resourceType: 2, resourceName: 'orders', configs: [{ name: 'retention.ms', configOperation: 0, value: '1000' }] }],
      validateOnly: true,
    });
    expect(iac.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([['orders', ErrorCode.TopicAuthorizationFailed]]);
  });
});

describe('cluster APIs', () => {
  it('DescribeLogDirs answers nothing without DESCRIBE on the cluster; the admin sees the log dir', async () => {
    const asBob = await bob.send({ request: DescribeLogDirsRequest, response: DescribeLogDirsResponse }, 1, { topics: null });
    expect(asBob.results).toEqual([]);
    const asAdmin = await admin.send({ request: DescribeLogDirsRequest, response: DescribeLogDirsResponse }, 1, { topics: null });
    expect(asAdmin.results.length).toBeGreaterThan(0);
  });

  it('ElectLeaders, Alter/ListPartitionReassignments, AlterReplicaLogDirs need ALTER / DESCRIBE on the cluster', async () => {
    const el = await bob.send({ request: ElectLeadersRequest, response: ElectLeadersResponse }, 1, {
      electionType: 0,
      topicPartitions: [{ topic: 'orders', partitions: [0] }],
      timeoutMs: 5000,
    });
    expect(el.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    expect(el.replicaElectionResults[0]!.partitionResult[0]!.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    const apr = await bob.send({ request: AlterPartitionReassignmentsRequest, response: AlterPartitionReassignmentsResponse }, 0, {
      timeoutMs: 5000,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, replicas: [0] }] }],
    });
    expect(apr.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    const lpr = await bob.send({ request: ListPartitionReassignmentsRequest, response: ListPartitionReassignmentsResponse }, 0, { timeoutMs: 5000, topics: null });
    expect(lpr.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    const arld = await bob.send({ request: AlterReplicaLogDirsRequest, response: AlterReplicaLogDirsResponse }, 1, {
      dirs: [{ path: cluster.dataDir(0), topics: [{ name: 'orders', partitions: [0] }] }],
    });
    expect(arld.results).toEqual([{ topicName: 'orders', partitions: [{ partitionIndex: 0, errorCode: ErrorCode.ClusterAuthorizationFailed }] }]);
  });

  it('StopReplica, UpdateMetadata and ControlledShutdown need CLUSTER_ACTION', async () => {
    const sr = await bob.send({ request: StopReplicaRequest, response: StopReplicaResponse }, 1, {
      controllerId: 0,
      controllerEpoch: 99,
      brokerEpoch: -1,
      deletePartitions: false,
      topics: [{ name: 'orders', partitionIndexes: [0] }],
    } as never);
    expect(sr.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    const um = await bob.send({ request: UpdateMetadataRequest, response: UpdateMetadataResponse }, 5, {
      controllerId: 0,
      controllerEpoch: 99,
      brokerEpoch: -1,
      topicStates: [],
      liveBrokers: [],
    } as never);
    expect(um.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    const cs = await bob.send({ request: ControlledShutdownRequest, response: ControlledShutdownResponse }, 2, { brokerId: 0, brokerEpoch: -1 });
    expect(cs.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    // the broker still serves: bob's topic is still led by broker 0
    const lo = await bob.send({ request: ListOffsetsRequest, response: ListOffsetsResponse }, 1, { replicaId: -1, topics: [{ name: 'bob-topic', partitions: [{ partitionIndex: 0, timestamp: -1 }] }] });
    expect(lo.topics[0]!.partitions[0]!.errorCode).toBe(0);
  });

  it('the ACL APIs need ALTER (create, delete) and DESCRIBE (describe) on the cluster', async () => {
    const filter = {
      resourceTypeFilter: AclResourceType.Any,
      resourceNameFilter: null,
      patternTypeFilter: AclPatternType.Any,
      principalFilter: null,
      hostFilter: null,
      operation: AclOperation.Any,
      permissionType: AclPermissionType.Any,
    };
    const d = await bob.send({ request: DescribeAclsRequest, response: DescribeAclsResponse }, 1, filter);
    expect(d.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    const del = await bob.send({ request: DeleteAclsRequest, response: DeleteAclsResponse }, 1, { filters: [filter] });
    expect(del.filterResults.map((r) => r.errorCode)).toEqual([ErrorCode.ClusterAuthorizationFailed]);
    const c = await bob.send({ request: CreateAclsRequest, response: CreateAclsResponse }, 1, {
      creations: [{ resourceType: AclResourceType.Topic, resourceName: 'orders', resourcePatternType: AclPatternType.Literal, principal: 'User:bob', host: '*', operation: AclOperation.All, permissionType: AclPermissionType.Allow }],
    });
    expect(c.results.map((r) => r.errorCode)).toEqual([ErrorCode.ClusterAuthorizationFailed]);
    // the admin's view is unchanged: two prefixed ACLs of bob
    const all = await admin.send({ request: DescribeAclsRequest, response: DescribeAclsResponse }, 1, filter);
    expect(all.resources.flatMap((r) => r.acls.map((a) => [r.resourceType, r.resourceName, r.patternType, a.principal, a.operation])).sort()).toEqual(
      [
        [AclResourceType.Group, 'bob-', AclPatternType.Prefixed, 'User:bob', AclOperation.Describe],
        [AclResourceType.Topic, 'bob-', AclPatternType.Prefixed, 'User:bob', AclOperation.Describe],
      ].sort(),
    );
  });

  it('CreateAcls: Kafka 2.7 answers to invalid bindings; UNKNOWN elements close the connection', async () => {
    const base = { resourceType: AclResourceType.Topic, resourceName: 'x', resourcePatternType: AclPatternType.Literal, principal: 'User:carol', host: '*', operation: AclOperation.Read, permissionType: AclPermissionType.Allow };
    const create = (creations: Array<{ [K in keyof typeof base]: (typeof base)[K] extends number ? number : string }>) => admin.send({ request: CreateAclsRequest, response: CreateAclsResponse }, 1, { creations });
    // per binding: the cluster's name, an empty name; a principal that is not Type:name fails its whole pattern
    const r = await create([
      { ...base, resourceType: AclResourceType.Cluster, resourceName: 'not-kafka-cluster' },
      { ...base, resourceName: '' },
      { ...base, resourceName: 'y', principal: 'carol' },
      { ...base, resourceName: 'y', operation: AclOperation.Write },
      base,
    ]);
    expect(r.results.map((x) => [x.errorCode, x.errorMessage])).toEqual([
      [ErrorCode.InvalidRequest, 'The only valid name for the CLUSTER resource is kafka-cluster'],
      [ErrorCode.InvalidRequest, 'Invalid empty resource name'],
      [ErrorCode.UnknownServerError, null],
      [ErrorCode.UnknownServerError, null],
      [0, null],
    ]);
    // an ANY/MATCH value fails the whole request
    for (const bad of [{ resourcePatternType: AclPatternType.Match }, { operation: AclOperation.Any }, { permissionType: AclPermissionType.Any }]) {
      const whole = await create([base, { ...base, ...bad }]);
      expect(whole.results.map((x) => [x.errorCode, x.errorMessage])).toEqual([
        [ErrorCode.UnknownServerError, null],
        [ErrorCode.UnknownServerError, null],
      ]);
    }
    const filter = {
      resourceTypeFilter: AclResourceType.Any,
      resourceNameFilter: null,
      patternTypeFilter: AclPatternType.Any,
      principalFilter: 'User:carol',
      hostFilter: null,
      operation: AclOperation.Any,
      permissionType: AclPermissionType.Any,
    };
    const deleted = await admin.send({ request: DeleteAclsRequest, response: DeleteAclsResponse }, 1, { filters: [filter] });
    expect(deleted.filterResults[0]!.matchingAcls.map((a) => [a.resourceName, a.principal, a.operation])).toEqual([['x', 'User:carol', AclOperation.Read]]);
    const doomed = saslClient(ports.SASL_PLAINTEXT, ADMIN);
    try {
      await expect(doomed.send({ request: CreateAclsRequest, response: CreateAclsResponse }, 1, { creations: [{ ...base, operation: 0 }] })).rejects.toThrow();
    } finally {
      await doomed.close();
    }
  });
});

describe('groups and transactional ids', () => {
  it('FindCoordinator needs DESCRIBE on the group or the transactional id', async () => {
    const g = await bob.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 2, { key: 'admin-g', keyType: 0 });
    expect([g.errorCode, g.errorMessage, g.nodeId]).toEqual([ErrorCode.GroupAuthorizationFailed, 'Group authorization failed.', -1]);
    expect((await bob.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 2, { key: 'bob-g', keyType: 0 })).errorCode).toBe(0);
    const tx = await bob.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 2, { key: 'bob-tx', keyType: 1 });
    expect(tx.errorCode).toBe(ErrorCode.TransactionalIdAuthorizationFailed);
  });

  it('DescribeGroups needs DESCRIBE; JoinGroup, Heartbeat and OffsetCommit need READ; DeleteGroups and OffsetDelete DELETE', async () => {
    const dg = await bob.send({ request: DescribeGroupsRequest, response: DescribeGroupsResponse }, 3, { groups: ['admin-g', 'bob-g'], includeAuthorizedOperations: true });
    expect(dg.groups.map((g) => [g.groupId, g.errorCode])).toEqual([
      ['admin-g', ErrorCode.GroupAuthorizationFailed],
      ['bob-g', 0],
    ]);
    expect(dg.groups[1]!.authorizedOperations).toBe(1 << AclOperation.Describe);
    const jg = await bob.send({ request: JoinGroupRequest, response: JoinGroupResponse }, 4, {
      groupId: 'bob-g',
      sessionTimeoutMs: 10000,
      rebalanceTimeoutMs: 10000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
    });
    expect(jg.errorCode).toBe(ErrorCode.GroupAuthorizationFailed);
    const hb = await bob.send({ request: HeartbeatRequest, response: HeartbeatResponse }, 2, { groupId: 'bob-g', generationId: 1, memberId: 'm' });
    expect(hb.errorCode).toBe(ErrorCode.GroupAuthorizationFailed);
    const oc = await bob.send({ request: OffsetCommitRequest, response: OffsetCommitResponse }, 2, {
      groupId: 'bob-g',
      generationId: -1,
      memberId: '',
      topics: [{ name: 'bob-topic', partitions: [{ partitionIndex: 0, committedOffset: 1, committedMetadata: null }] }],
    });
    expect(oc.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GroupAuthorizationFailed);
    const dl = await bob.send({ request: DeleteGroupsRequest, response: DeleteGroupsResponse }, 1, { groupsNames: ['bob-g'] });
    expect(dl.results).toEqual([{ groupId: 'bob-g', errorCode: ErrorCode.GroupAuthorizationFailed }]);
    const od = await bob.send({ request: OffsetDeleteRequest, response: OffsetDeleteResponse }, 0, { groupId: 'bob-g', topics: [{ name: 'orders', partitions: [P] }] });
    expect(od.errorCode).toBe(ErrorCode.GroupAuthorizationFailed);
  });

  it('OffsetFetch: DESCRIBE on the group, then topics bob may not describe are TOPIC_AUTHORIZATION_FAILED (or left out of "all topics")', async () => {
    const denied = await bob.send({ request: OffsetFetchRequest, response: OffsetFetchResponse }, 5, { groupId: 'admin-g', topics: null });
    expect(denied.errorCode).toBe(ErrorCode.GroupAuthorizationFailed);
    const named = await bob.send({ request: OffsetFetchRequest, response: OffsetFetchResponse }, 5, { groupId: 'bob-g', topics: [{ name: 'orders', partitionIndexes: [0] }] });
    expect(named.errorCode).toBe(0);
    expect(named.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TopicAuthorizationFailed);
    const all = await bob.send({ request: OffsetFetchRequest, response: OffsetFetchResponse }, 5, { groupId: 'bob-g', topics: null });
    expect(all.errorCode).toBe(0);
    expect(all.topics).toEqual([]);
    const asAdmin = await admin.send({ request: OffsetFetchRequest, response: OffsetFetchResponse }, 5, { groupId: 'bob-g', topics: null });
    expect(asAdmin.topics.map((t) => t.name)).toEqual(['orders']);
  });

  it('ListGroups shows bob only the groups he may describe', async () => {
    const asBob = await bob.send({ request: ListGroupsRequest, response: ListGroupsResponse }, 2, {});
    expect(asBob.errorCode).toBe(0);
    expect(asBob.groups.map((g) => g.groupId)).toEqual(['bob-g']);
    const asAdmin = await admin.send({ request: ListGroupsRequest, response: ListGroupsResponse }, 2, {});
    expect(asAdmin.groups.map((g) => g.groupId).sort()).toEqual(['admin-g', 'bob-g']);
  });

  it('the transaction APIs: WRITE on the transactional id first, then the topics and the group; markers need CLUSTER_ACTION', async () => {
    const txn = { transactionalId: 'bob-tx', producerId: 1000, producerEpoch: 0 };
    const addPartitions = () =>
      bob.send({ request: AddPartitionsToTxnRequest, response: AddPartitionsToTxnResponse }, 1, { ...txn, topics: [{ name: 'orders', partitions: [0] }, { name: 'bob-topic', partitions: [0] }] });
    const addOffsets = () => bob.send({ request: AddOffsetsToTxnRequest, response: AddOffsetsToTxnResponse }, 1, { ...txn, groupId: 'bob-g' });
    const txnCommit = () =>
      bob.send({ request: TxnOffsetCommitRequest, response: TxnOffsetCommitResponse }, 2, {
        ...txn,
        groupId: 'bob-g',
        topics: [{ name: 'bob-topic', partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null }] }],
      });
    const init = (transactionalId: string | null) =>
      bob.send({ request: InitProducerIdRequest, response: InitProducerIdResponse }, 2, { transactionalId, transactionTimeoutMs: 10_000 });

    expect((await init(null)).errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);
    expect((await init('bob-tx')).errorCode).toBe(ErrorCode.TransactionalIdAuthorizationFailed);
    expect((await addPartitions()).results.flatMap((t) => t.results.map((p) => p.errorCode))).toEqual([
      ErrorCode.TransactionalIdAuthorizationFailed,
      ErrorCode.TransactionalIdAuthorizationFailed,
    ]);
    expect((await addOffsets()).errorCode).toBe(ErrorCode.TransactionalIdAuthorizationFailed);
    expect((await bob.send({ request: EndTxnRequest, response: EndTxnResponse }, 1, { ...txn, committed: true })).errorCode).toBe(ErrorCode.TransactionalIdAuthorizationFailed);
    expect((await txnCommit()).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TransactionalIdAuthorizationFailed);
    const markers = await bob.send({ request: WriteTxnMarkersRequest, response: WriteTxnMarkersResponse }, 0, {
      markers: [{ producerId: 1000, producerEpoch: 0, transactionResult: true, topics: [{ name: 'bob-topic', partitionIndexes: [0] }], coordinatorEpoch: 0 }],
    });
    expect(markers.markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.ClusterAuthorizationFailed);

    // WRITE on transactional ids bob-*, WRITE on bob-topic
    const grant = await admin.send({ request: CreateAclsRequest, response: CreateAclsResponse }, 1, {
      creations: [
        { resourceType: AclResourceType.TransactionalId, resourceName: 'bob-', resourcePatternType: AclPatternType.Prefixed, principal: 'User:bob', host: '*', operation: AclOperation.Write, permissionType: AclPermissionType.Allow },
        { resourceType: AclResourceType.Topic, resourceName: 'bob-topic', resourcePatternType: AclPatternType.Literal, principal: 'User:bob', host: '*', operation: AclOperation.Write, permissionType: AclPermissionType.Allow },
      ],
    });
    expect(grant.results.map((r) => r.errorCode)).toEqual([0, 0]);
    // WRITE implies DESCRIBE: bob finds the transaction coordinator (creating __transaction_state), then initializes
    let initialized: { errorCode: number; producerId: number } = { errorCode: -1, producerId: -1 };
    for (let i = 0; i < 150; i++) {
      const fc = await bob.send({ request: FindCoordinatorRequest, response: FindCoordinatorResponse }, 2, { key: 'bob-tx', keyType: 1 });
      if (fc.errorCode === 0) {
        initialized = await init('bob-tx');
        if (!([ErrorCode.CoordinatorNotAvailable, ErrorCode.CoordinatorLoadInProgress, ErrorCode.NotCoordinator] as number[]).includes(initialized.errorCode)) break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(initialized.errorCode).toBe(0);
    expect(initialized.producerId).toBeGreaterThanOrEqual(0);
    // orders is not writable: it fails, bob-topic is not attempted
    expect((await addPartitions()).results.map((t) => [t.name, t.results[0]!.errorCode])).toEqual([
      ['orders', ErrorCode.TopicAuthorizationFailed],
      ['bob-topic', ErrorCode.OperationNotAttempted],
    ]);
    // bob may describe bob-g but not read it
    expect((await addOffsets()).errorCode).toBe(ErrorCode.GroupAuthorizationFailed);
    expect((await txnCommit()).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GroupAuthorizationFailed);
  });
});
