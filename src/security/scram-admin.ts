/**
 * Kafka 2.7's AdminManager.describeUserScramCredentials / alterUserScramCredentials (KIP-554):
 * SCRAM credentials read from and written to `/config/users/<sanitized user>`, exactly as
 * `kafka-configs.sh --zookeeper` does, with a `users/<user>` change notification per altered user
 * (every broker's credential cache follows it).
 *
 * Describe: no names (null or empty) = every user holding a credential, sorted; named users: empty
 * name → RESOURCE_NOT_FOUND "Username must not be empty", named twice → DUPLICATE_RESOURCE, no
 * credential → RESOURCE_NOT_FOUND; one result per distinct user in request order.
 * Alter: per user, in this order of checks: empty name (UNACCEPTABLE_CREDENTIAL), unknown mechanism
 * (UNSUPPORTED_SASL_MECHANISM), iterations outside 4096..16384 (UNACCEPTABLE_CREDENTIAL, too few /
 * too many), the same (user, mechanism) twice (DUPLICATE_RESOURCE), deleting a credential that does
 * not exist (RESOURCE_NOT_FOUND); users without a problem are written (deletions first, then
 * upsertions from the client's salt and salted password).
 */
import { desanitize, sanitize } from '../common/sanitizer.js';
import { ErrorCode } from '../protocol/error-codes.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { MAX_SCRAM_ITERATIONS, SCRAM_MECHANISMS, credentialFromSaltedPassword, credentialFromString, credentialToString, scramMechanismByType } from './sasl/scram.js';

export interface UserResult {
  readonly user: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

export interface DescribedUser extends UserResult {
  readonly credentialInfos: ReadonlyArray<{ mechanism: number; iterations: number }>;
}

export interface ScramDeletion {
  readonly name: string;
  readonly mechanism: number;
}

export interface ScramUpsertion extends ScramDeletion {
  readonly iterations: number;
  readonly salt: Buffer;
  readonly saltedPassword: Buffer;
}

const EMPTY_USER = 'Username must not be empty';

function describeOne(user: string, config: Readonly<Record<string, string>>, explicit: boolean): DescribedUser | null {
  const present = SCRAM_MECHANISMS.filter((m) => config[m.name] !== undefined);
  if (present.length === 0) {
    return explicit ? { user, errorCode: ErrorCode.ResourceNotFound, errorMessage: `Attempt to describe a user credential that does not exist: ${user}`, credentialInfos: [] } : null;
  }
  try {
    const credentialInfos = present.map((m) => ({ mechanism: m.type, iterations: credentialFromString(config[m.name]!).iterations }));
    return { user, errorCode: ErrorCode.None, errorMessage: null, credentialInfos };
  } catch (err) {
    return { user, errorCode: ErrorCode.UnknownServerError, errorMessage: (err as Error).message, credentialInfos: [] };
  }
}

export async function describeUserScramCredentials(zk: KafkaZkClient, users: readonly string[] | null): Promise<DescribedUser[]> {
  if (users === null || users.length === 0) {
    const out: DescribedUser[] = [];
    for (const [sanitized, config] of await zk.getAllEntityConfigs('users')) {
      const d = describeOne(desanitize(sanitized), config, false);
      if (d) out.push(d);
    }
    return out.sort((a, b) => (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  }
  const counts = new Map<string, number>();
  for (const u of users) counts.set(u, (counts.get(u) ?? 0) + 1);
  const out: DescribedUser[] = [];
  for (const user of counts.keys()) {
    if (user === '') out.push({ user, errorCode: ErrorCode.ResourceNotFound, errorMessage: EMPTY_USER, credentialInfos: [] });
    else if (counts.get(user)! > 1) {
      out.push({ user, errorCode: ErrorCode.DuplicateResource, errorMessage: `Cannot describe SCRAM credentials for the same user twice in a single request: ${user}`, credentialInfos: [] });
    } else out.push(describeOne(user, await zk.getEntityConfig('users', sanitize(user)), true)!);
  }
  return out;
}

export async function alterUserScramCredentials(zk: KafkaZkClient, upsertions: readonly ScramUpsertion[], deletions: readonly ScramDeletion[]): Promise<UserResult[]> {
  const results: UserResult[] = [];
  const failed = new Set<string>();
  const fail = (user: string, errorCode: number, errorMessage: string): void => {
    if (failed.has(user)) return;
    failed.add(user);
    results.push({ user, errorCode, errorMessage });
  };
  for (const d of deletions) {
    if (d.name === '') fail(d.name, ErrorCode.UnacceptableCredential, EMPTY_USER);
    else if (!scramMechanismByType(d.mechanism)) fail(d.name, ErrorCode.UnsupportedSaslMechanism, 'Unknown SCRAM mechanism');
  }
  for (const u of upsertions) {
    const m = scramMechanismByType(u.mechanism);
    if (u.name === '') fail(u.name, ErrorCode.UnacceptableCredential, EMPTY_USER);
    else if (!m) fail(u.name, ErrorCode.UnsupportedSaslMechanism, 'Unknown SCRAM mechanism');
    else if (u.iterations < m.minIterations) fail(u.name, ErrorCode.UnacceptableCredential, 'Too few iterations');
    else if (u.iterations > MAX_SCRAM_ITERATIONS) fail(u.name, ErrorCode.UnacceptableCredential, 'Too many iterations');
  }
  const pairs = new Map<string, number>();
  for (const x of [...upsertions, ...deletions]) {
    if (failed.has(x.name)) continue;
    const k = `${x.name}\u0000${x.mechanism}`;
    pairs.set(k, (pairs.get(k) ?? 0) + 1);
  }
  for (const x of [...upsertions, ...deletions]) {
    if (!failed.has(x.name) && pairs.get(`${x.name}\u0000${x.mechanism}`)! > 1) {
      fail(x.name, ErrorCode.DuplicateResource, 'A user credential cannot be altered twice in the same request');
    }
  }
  const users = [...new Set([...upsertions, ...deletions].map((x) => x.name))].filter((u) => !failed.has(u));
  const configs = new Map<string, Record<string, string>>();
  for (const user of users) configs.set(user, await zk.getEntityConfig('users', sanitize(user)));
  for (const d of deletions) {
    if (!failed.has(d.name) && configs.get(d.name)![scramMechanismByType(d.mechanism)!.name] === undefined) {
      fail(d.name, ErrorCode.ResourceNotFound, 'Attempt to delete a user credential that does not exist');
    }
  }
  for (const user of users) {
    if (failed.has(user)) continue;
    const config = configs.get(user)!;
    try {
      for (const d of deletions.filter((x) => x.name === user)) delete config[scramMechanismByType(d.mechanism)!.name];
      for (const u of upsertions.filter((x) => x.name === user)) {
        const m = scramMechanismByType(u.mechanism)!;
        config[m.name] = credentialToString(credentialFromSaltedPassword(m, u.salt, u.saltedPassword, u.iterations));
      }
      await zk.changeEntityConfig('users', sanitize(user), config);
      results.push({ user, errorCode: ErrorCode.None, errorMessage: null });
    } catch (err) {
      fail(user, ErrorCode.UnknownServerError, (err as Error).message);
    }
  }
  return results;
}
