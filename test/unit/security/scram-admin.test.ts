import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { alterUserScramCredentials, describeUserScramCredentials } from '../../../src/security/scram-admin.js';
import { SCRAM_MECHANISMS, credentialFromString, credentialToString, generateCredential, saltedPassword } from '../../../src/security/sasl/scram.js';
import type { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';

const [SHA256, SHA512] = SCRAM_MECHANISMS as [(typeof SCRAM_MECHANISMS)[0], (typeof SCRAM_MECHANISMS)[0]];

/** The three /config/users calls scram-admin makes, over a map keyed by the sanitized user name. */
function fakeZk(initial: Record<string, Record<string, string>> = {}) {
  const users = new Map(Object.entries(initial).map(([k, v]) => [k, { ...v }]));
  const writes: Array<[string, Record<string, string>]> = [];
  const zk = {
    getAllEntityConfigs: async () => new Map([...users].map(([k, v]) => [k, { ...v }])),
    getEntityConfig: async (_type: string, name: string) => ({ ...(users.get(name) ?? {}) }),
    changeEntityConfig: async (_type: string, name: string, config: Record<string, string>) => {
      users.set(name, { ...config });
      writes.push([name, { ...config }]);
      return '';
    },
  };
  return { zk: zk as unknown as KafkaZkClient, users, writes };
}

const cred = (m = SHA256, iterations = 4096) => credentialToString(generateCredential(m, 'pw', iterations));
const upsert = (name: string, mechanism: number = SHA256.type, iterations = 4096) => {
  const salt = Buffer.from('salt-salt-salt');
  const m = SCRAM_MECHANISMS.find((x) => x.type === mechanism) ?? SHA256;
  return { name, mechanism, iterations, salt, saltedPassword: saltedPassword(m, 'pw', salt, Math.max(1, Math.min(iterations, 16384))) };
};

describe('DescribeUserScramCredentials', () => {
  it('all users holding a credential, sorted, desanitized; users without SCRAM keys left out', async () => {
    const { zk } = fakeZk({ zed: { 'SCRAM-SHA-512': cred(SHA512, 8192) }, 'a%40b': { 'SCRAM-SHA-256': cred(), 'SCRAM-SHA-512': cred(SHA512) }, quota: { producer_byte_rate: '10' } });
    const all = await describeUserScramCredentials(zk, null);
    expect(all.map((u) => u.user)).toEqual(['a@b', 'zed']);
    expect(all[0]!.credentialInfos).toEqual([{ mechanism: SHA256.type, iterations: 4096 }, { mechanism: SHA512.type, iterations: 4096 }]);
    expect(all[1]!.credentialInfos).toEqual([{ mechanism: SHA512.type, iterations: 8192 }]);
    expect(await describeUserScramCredentials(zk, [])).toHaveLength(2);
  });

  it('named users: empty name, named twice, no credential', async () => {
    const { zk } = fakeZk({ alice: { 'SCRAM-SHA-256': cred() } });
    const out = await describeUserScramCredentials(zk, ['alice', '', 'bob', 'carol', 'carol']);
    expect(out.map((u) => [u.user, u.errorCode])).toEqual([
      ['alice', ErrorCode.None],
      ['', ErrorCode.ResourceNotFound],
      ['bob', ErrorCode.ResourceNotFound],
      ['carol', ErrorCode.DuplicateResource],
    ]);
    expect(out[1]!.errorMessage).toBe('Username must not be empty');
    expect(out[2]!.errorMessage).toMatch(/does not exist: bob/);
  });
});

describe('AlterUserScramCredentials', () => {
  it('writes credentials kafka-configs.sh can read, keeps other keys, sanitizes the znode name', async () => {
    const { zk, users, writes } = fakeZk({ 'a%40b': { producer_byte_rate: '10' } });
    const out = await alterUserScramCredentials(zk, [upsert('a@b', SHA256.type, 5000)], []);
    expect(out).toEqual([{ user: 'a@b', errorCode: ErrorCode.None, errorMessage: null }]);
    expect(writes).toHaveLength(1);
    const stored = users.get('a%40b')!;
    expect(stored.producer_byte_rate).toBe('10');
    const c = credentialFromString(stored['SCRAM-SHA-256']!);
    expect(c.iterations).toBe(5000);
    expect(c.salt.toString()).toBe('salt-salt-salt');
    // the stored key is the one a client deriving from the same password would prove knowledge of
    const salted = pbkdf2Sync('pw', 'salt-salt-salt', 5000, 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    expect(c.storedKey).toEqual(createHash('sha256').update(clientKey).digest());
    expect(c.serverKey).toEqual(createHmac('sha256', salted).update('Server Key').digest());
  });

  it('per-user errors; a failing user is not written, the others are', async () => {
    const { zk, writes } = fakeZk({ old: { 'SCRAM-SHA-256': cred() } });
    const out = await alterUserScramCredentials(
      zk,
      [upsert(''), upsert('m', 99), upsert('few', SHA256.type, 100), upsert('many', SHA512.type, 20000), upsert('twice'), upsert('twice'), upsert('ok', SHA512.type)],
      [{ name: 'gone', mechanism: SHA512.type }, { name: 'old', mechanism: SHA256.type }],
    );
    const byUser = Object.fromEntries(out.map((r) => [r.user, [r.errorCode, r.errorMessage]]));
    expect(byUser['']).toEqual([ErrorCode.UnacceptableCredential, 'Username must not be empty']);
    expect(byUser.m).toEqual([ErrorCode.UnsupportedSaslMechanism, 'Unknown SCRAM mechanism']);
    expect(byUser.few).toEqual([ErrorCode.UnacceptableCredential, 'Too few iterations']);
    expect(byUser.many).toEqual([ErrorCode.UnacceptableCredential, 'Too many iterations']);
    expect(byUser.twice![0]).toBe(ErrorCode.DuplicateResource);
    expect(byUser.gone![0]).toBe(ErrorCode.ResourceNotFound);
    expect(byUser.ok).toEqual([ErrorCode.None, null]);
    expect(byUser.old).toEqual([ErrorCode.None, null]);
    expect(writes.map(([u]) => u).sort()).toEqual(['ok', 'old']);
    expect(writes.find(([u]) => u === 'old')![1]).toEqual({});
  });

  it('a deletion and an upsertion of different mechanisms for one user in one request', async () => {
    const { zk, users } = fakeZk({ u: { 'SCRAM-SHA-256': cred() } });
    const out = await alterUserScramCredentials(zk, [upsert('u', SHA512.type)], [{ name: 'u', mechanism: SHA256.type }]);
    expect(out).toEqual([{ user: 'u', errorCode: ErrorCode.None, errorMessage: null }]);
    expect(Object.keys(users.get('u')!)).toEqual(['SCRAM-SHA-512']);
  });
});
