/**
 * The broker's SCRAM credential cache (Kafka's CredentialProvider + UserConfigHandler).
 *
 * - At startup every `/config/users/<user>` is read (DynamicConfigManager.startup bootstraps user
 *   configs), then each `users/<user>` change notification under `/config/changes` re-reads that
 *   user's znode and replaces its credentials: a mechanism key present → that credential, absent →
 *   none for that mechanism.
 * - Znode names are sanitized (URL-encoded) user names; the cache is keyed by the real name.
 *   `users/<user>/clients/<client>` (quota) entities and the `<default>` user carry no credentials.
 * - A credential that does not parse is logged and dropped (the user cannot log in with that
 *   mechanism) rather than failing the broker, as one bad znode must not stop the others.
 */
import { desanitize } from '../common/sanitizer.js';
import type { Logger } from '../common/logger.js';
import type { KafkaZkClient } from '../zk/kafka-zk-client.js';
import { DEFAULT_CONFIG_ENTITY } from '../zk/znodes.js';
import { SCRAM_MECHANISMS, credentialFromString, type ScramCredential, type ScramMechanism } from './sasl/scram.js';

export class CredentialCache {
  private readonly byUser = new Map<string, Map<string, ScramCredential>>();

  constructor(private readonly log: Logger) {}

  get(username: string, mechanism: ScramMechanism): ScramCredential | undefined {
    return this.byUser.get(username)?.get(mechanism.name);
  }

  /** Replaces a user's credentials from its config (CredentialProvider.updateCredentials). */
  update(username: string, config: Readonly<Record<string, string>>): void {
    const creds = new Map<string, ScramCredential>();
    for (const m of SCRAM_MECHANISMS) {
      const value = config[m.name];
      if (value === undefined) continue;
      try {
        creds.set(m.name, credentialFromString(value));
      } catch (err) {
        this.log.warn({ user: username, mechanism: m.name, err: (err as Error).message }, 'invalid SCRAM credential in ZooKeeper; ignored');
      }
    }
    if (creds.size > 0) this.byUser.set(username, creds);
    else this.byUser.delete(username);
  }

  /** Reads every user's config (broker startup). */
  async load(zk: KafkaZkClient): Promise<void> {
    for (const [sanitized, config] of await zk.getAllEntityConfigs('users')) this.apply(sanitized, config);
    this.log.info({ users: this.byUser.size }, 'SCRAM credentials loaded');
  }

  /** The `users` config change handler: the entity is `<sanitized user>` or `<user>/clients/<client>`. */
  async onUserConfigChange(zk: KafkaZkClient, entity: string): Promise<void> {
    const parts = entity.split('/');
    if (parts.length !== 1 && parts.length !== 3) throw new Error(`Invalid quota entity path: ${entity}`);
    if (parts.length === 3 || entity === DEFAULT_CONFIG_ENTITY) return;
    this.apply(entity, await zk.getEntityConfig('users', entity));
  }

  private apply(sanitizedUser: string, config: Record<string, string>): void {
    if (sanitizedUser === DEFAULT_CONFIG_ENTITY) return;
    let user: string;
    try {
      user = desanitize(sanitizedUser);
    } catch (err) {
      this.log.warn({ entity: sanitizedUser, err: (err as Error).message }, 'user entity name does not decode; ignored');
      return;
    }
    this.update(user, config);
  }
}
