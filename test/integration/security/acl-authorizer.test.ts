/**
 * AclAuthorizer against a real ZooKeeper, two instances standing for two brokers (cases after
 * Kafka's AclAuthorizerTest): decisions (super users, no ACL, deny wins, wildcard principal /
 * host / resource, prefixed patterns, implied DESCRIBE and DESCRIBE_CONFIGS), storage exactly as
 * Kafka 2.7 writes it, change notifications reaching the other instance, DeleteAcls filters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/common/logger.js';
import { AclOperation as Op, AclPatternType as Pat, AclPermissionType as Perm, AclResourceType as Res, type AclBinding } from '../../../src/common/acl.js';
import { AclAuthorizer, type AuthorizationSubject } from '../../../src/security/authorizer/acl-authorizer.js';
import type { ZkClient } from '../../../src/zk/client.js';
import { closeAllZk, connectZk, removeChroot, zkConnectForTest } from '../../harness/zookeeper.js';
import { waitFor } from '../../harness/wait-for.js';

const connect = zkConnectForTest();
let zk: ZkClient;
let a: AclAuthorizer;
let b: AclAuthorizer;

const subject = (principal: string, host = '192.168.0.1'): AuthorizationSubject => {
  const [type, name] = principal.split(':') as [string, string];
  return { principal: { type, name }, clientAddress: host, apiKey: 0 };
};
const alice = subject('User:alice');
const bob = subject('User:bob');
const quiet = { logIfAllowed: false, logIfDenied: false };
const acl = (resourceType: number, name: string, principal: string, operation: number, permissionType: number = Perm.Allow, host = '*', patternType: number = Pat.Literal): AclBinding => ({
  pattern: { resourceType, name, patternType },
  entry: { principal, host, operation, permissionType },
});
const ok = (r: Array<{ errorCode: number }>) => expect(r.map((x) => x.errorCode)).toEqual(r.map(() => 0));

beforeAll(async () => {
  zk = await connectZk(connect);
  const b1 = await connectZk(connect);
  a = new AclAuthorizer({ zk, superUsers: 'User:admin; User:CN=broker,O=gregor', allowEveryoneIfNoAclIsFound: false, log: silentLogger() });
  b = new AclAuthorizer({ zk: b1, superUsers: null, allowEveryoneIfNoAclIsFound: true, log: silentLogger() });
  await a.startup();
  await b.startup();
});

afterAll(async () => {
  await a?.shutdown();
  await b?.shutdown();
  await closeAllZk();
  await removeChroot(connect);
});

describe('decisions', () => {
  it('super users may do anything; no ACL means deny unless allow.everyone.if.no.acl.found', () => {
    expect(a.authorize(subject('User:admin'), Op.Alter, Res.Cluster, 'kafka-cluster', quiet)).toBe(true);
    expect(a.authorize(subject('User:CN=broker,O=gregor'), Op.ClusterAction, Res.Cluster, 'kafka-cluster', quiet)).toBe(true);
    expect(a.authorize(alice, Op.Read, Res.Topic, 'no-acls', quiet)).toBe(false);
    expect(b.authorize(alice, Op.Read, Res.Topic, 'no-acls', quiet)).toBe(true);
  });

  it('allow, deny wins, host and principal wildcards', async () => {
    ok(
      await a.createAcls([
        acl(Res.Topic, 't1', 'User:alice', Op.Read),
        acl(Res.Topic, 't1', 'User:*', Op.Write),
        acl(Res.Topic, 't1', 'User:alice', Op.Write, Perm.Deny, '192.168.0.1'),
      ]),
    );
    expect(a.authorize(alice, Op.Read, Res.Topic, 't1', quiet)).toBe(true);
    expect(a.authorize(alice, Op.Write, Res.Topic, 't1', quiet)).toBe(false);
    expect(a.authorize(subject('User:alice', '10.0.0.9'), Op.Write, Res.Topic, 't1', quiet)).toBe(true);
    expect(a.authorize(bob, Op.Write, Res.Topic, 't1', quiet)).toBe(true);
    expect(a.authorize(bob, Op.Read, Res.Topic, 't1', quiet)).toBe(false);
    // ACLs exist for t1 now, so even the everyone-allowing instance denies what no ACL allows
    await waitFor(() => !b.authorize(bob, Op.Read, Res.Topic, 't1', quiet), { what: 'the other broker sees t1 ACLs' });
  });

  it('READ/WRITE/DELETE/ALTER imply DESCRIBE, ALTER_CONFIGS implies DESCRIBE_CONFIGS; ALL covers everything; no other implication', async () => {
    ok(await a.createAcls([acl(Res.Topic, 't2', 'User:alice', Op.Delete), acl(Res.Topic, 't2', 'User:alice', Op.AlterConfigs), acl(Res.Group, 'g', 'User:alice', Op.All)]));
    expect(a.authorize(alice, Op.Describe, Res.Topic, 't2', quiet)).toBe(true);
    expect(a.authorize(alice, Op.DescribeConfigs, Res.Topic, 't2', quiet)).toBe(true);
    expect(a.authorize(alice, Op.Read, Res.Topic, 't2', quiet)).toBe(false);
    expect(a.authorize(alice, Op.Delete, Res.Group, 'g', quiet)).toBe(true);
    expect(a.authorize(alice, Op.Read, Res.Group, 'g', quiet)).toBe(true);
  });

  it('a DENY of DESCRIBE is not overridden by an implied ALLOW', async () => {
    ok(await a.createAcls([acl(Res.Topic, 't3', 'User:alice', Op.Read), acl(Res.Topic, 't3', 'User:alice', Op.Describe, Perm.Deny)]));
    expect(a.authorize(alice, Op.Describe, Res.Topic, 't3', quiet)).toBe(false);
    expect(a.authorize(alice, Op.Read, Res.Topic, 't3', quiet)).toBe(true);
  });

  it('prefixed and wildcard resources; a prefixed DENY beats a literal ALLOW', async () => {
    ok(
      await a.createAcls([
        acl(Res.Topic, 'logs-', 'User:alice', Op.Read, Perm.Allow, '*', Pat.Prefixed),
        acl(Res.Topic, 'logs-secret', 'User:alice', Op.Read, Perm.Deny, '*', Pat.Prefixed),
        acl(Res.Topic, 'logs-secret-but-ok', 'User:alice', Op.Read),
        acl(Res.Group, '*', 'User:bob', Op.Read),
      ]),
    );
    expect(a.authorize(alice, Op.Read, Res.Topic, 'logs-app', quiet)).toBe(true);
    expect(a.authorize(alice, Op.Read, Res.Topic, 'logs', quiet)).toBe(false);
    expect(a.authorize(alice, Op.Read, Res.Topic, 'logs-secret-but-ok', quiet)).toBe(false);
    expect(a.authorize(bob, Op.Read, Res.Group, 'any-group', quiet)).toBe(true);
    expect(a.authorize(alice, Op.Read, Res.Group, 'any-group', quiet)).toBe(false);
  });
});

describe('storage', () => {
  it('writes Kafka 2.7 znodes and notifications', async () => {
    ok(await a.createAcls([acl(Res.TransactionalId, 'tx-1', 'User:alice', Op.Write), acl(Res.Topic, 'pre-', 'User:bob', Op.Write, Perm.Allow, '*', Pat.Prefixed)]));
    const lit = JSON.parse((await zk.getData('/kafka-acl/TransactionalId/tx-1')).data!.toString());
    expect(lit).toEqual({ version: 1, acls: [{ principal: 'User:alice', permissionType: 'Allow', operation: 'Write', host: '*' }] });
    const pre = JSON.parse((await zk.getData('/kafka-acl-extended/prefixed/Topic/pre-')).data!.toString());
    expect(pre.acls).toEqual([{ principal: 'User:bob', permissionType: 'Allow', operation: 'Write', host: '*' }]);
    for (const rt of ['Topic', 'Group', 'Cluster', 'TransactionalId', 'DelegationToken']) expect(await zk.exists(`/kafka-acl/${rt}`)).not.toBeNull();
    const literal = await Promise.all((await zk.getChildren('/kafka-acl-changes')).map(async (n) => (await zk.getData(`/kafka-acl-changes/${n}`)).data!.toString()));
    expect(literal).toContain('TRANSACTIONAL_ID:tx-1');
    const extended = await Promise.all((await zk.getChildren('/kafka-acl-extended-changes')).map(async (n) => JSON.parse((await zk.getData(`/kafka-acl-extended-changes/${n}`)).data!.toString())));
    expect(extended).toContainEqual({ version: 1, resourceType: 'TOPIC', name: 'pre-', patternType: 'PREFIXED' });
  });

  it('picks up ACLs written to ZooKeeper by another tool (the notification is the trigger)', async () => {
    await zk.create('/kafka-acl/Topic/external', Buffer.from(JSON.stringify({ version: 1, acls: [{ principal: 'User:bob', permissionType: 'Allow', operation: 'READ', host: '*' }] })));
    await zk.create('/kafka-acl-changes/acl_changes_', Buffer.from('Topic:external'), { mode: 'persistent-sequential' });
    await waitFor(() => a.authorize(bob, Op.Read, Res.Topic, 'external', quiet) && b.authorize(bob, Op.Read, Res.Topic, 'external', quiet), { what: 'both brokers load the external ACL' });
  });

  it('duplicate creations add one entry; an invalid name fails alone, a principal that is not Type:name fails its pattern', async () => {
    const r = await a.createAcls([
      acl(Res.Topic, 'dup', 'User:alice', Op.Read),
      acl(Res.Topic, 'dup', 'User:alice', Op.Read),
      acl(Res.Topic, 'bad/name', 'User:alice', Op.Read),
      acl(Res.Topic, 'p', 'alice-without-type', Op.Read),
      acl(Res.Topic, 'p', 'User:alice', Op.Write),
    ]);
    expect(r.map((x) => x.errorCode)).toEqual([0, 0, 42, -1, -1]);
    expect(await zk.exists('/kafka-acl/Topic/p')).toBeNull();
    expect(JSON.parse((await zk.getData('/kafka-acl/Topic/dup')).data!.toString()).acls).toHaveLength(1);
  });
});

describe('describe and delete', () => {
  it('filters by pattern type MATCH (what applies to a name) and deletes by filter, removing empty znodes', async () => {
    ok(await a.createAcls([acl(Res.Topic, 'del-', 'User:carol', Op.Read, Perm.Allow, '*', Pat.Prefixed), acl(Res.Topic, 'del-x', 'User:carol', Op.Write)]));
    const match = a.acls({ pattern: { resourceType: Res.Topic, name: 'del-x', patternType: Pat.Match }, entry: { principal: 'User:carol', host: null, operation: Op.Any, permissionType: Perm.Any } });
    expect(match.map((m) => [m.pattern.name, m.pattern.patternType, m.entry.operation]).sort()).toEqual([
      ['del-', Pat.Prefixed, Op.Read],
      ['del-x', Pat.Literal, Op.Write],
    ]);
    const [res] = await a.deleteAcls([{ pattern: { resourceType: Res.Topic, name: null, patternType: Pat.Any }, entry: { principal: 'User:carol', host: null, operation: Op.Any, permissionType: Perm.Any } }]);
    expect(res!.deleted).toHaveLength(2);
    expect(await zk.exists('/kafka-acl/Topic/del-x')).toBeNull();
    expect(await zk.exists('/kafka-acl-extended/prefixed/Topic/del-')).toBeNull();
    await waitFor(() => b.acls({ pattern: { resourceType: Res.Any, name: null, patternType: Pat.Any }, entry: { principal: 'User:carol', host: null, operation: Op.Any, permissionType: Perm.Any } }).length === 0, { what: 'the other broker forgets them' });
  });
});
