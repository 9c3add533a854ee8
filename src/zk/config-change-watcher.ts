/**
 * Kafka's DynamicConfigManager over the change-notification listener (notification-listener.ts,
 * zk-and-controller.md §14): every broker follows the children of `/config/changes`; each
 * `config_change_<seq>` notification names an entity (`{"version":2,"entity_path":"topics/<t>"}`,
 * v1 `entity_type`/`entity_name`), and the handler for the entity type re-reads the entity znode
 * itself (`/config/topics/<t>`, `/config/users/<u>`) and applies it.
 *
 * Unknown entity types and undecodable notifications are logged and skipped, as Kafka does; a
 * handler that throws makes the pass retry (the notification is not skipped).
 */
import type { KafkaZkClient } from './kafka-zk-client.js';
import { ZkNotificationListener, type NotificationLogger } from './notification-listener.js';
import { ConfigEntityChangeNotificationSequenceZNode as NotificationZNode, ConfigEntityChangeNotificationZNode } from './znodes.js';

/** `topics`, `clients`, `users`, `brokers` (entity name may contain '/' for users/<u>/clients/<c>). */
export type ConfigEntityHandler = (entityName: string) => void | Promise<void>;

export type ConfigChangeLogger = NotificationLogger;

export interface ConfigChangeWatcherOptions {
  zk: KafkaZkClient;
  /** entity type → handler; e.g. `{ topics: (t) => applyTopicConfig(t) }` */
  handlers: Readonly<Record<string, ConfigEntityHandler>>;
  log: ConfigChangeLogger;
  /** Kafka's changeExpirationMs: 15 min */
  changeExpirationMs?: number;
  /** wait before retrying a failed pass; default 1000 ms */
  retryBackoffMs?: number;
  now?: () => number;
}

export class ConfigChangeWatcher {
  private readonly listener: ZkNotificationListener;

  constructor(private readonly opts: ConfigChangeWatcherOptions) {
    this.listener = new ZkNotificationListener({
      zk: opts.zk.zk,
      root: ConfigEntityChangeNotificationZNode.path,
      prefix: NotificationZNode.prefix,
      name: 'config-change-watcher',
      log: opts.log,
      handle: (name, data) => this.processNotification(name, data),
      ...(opts.changeExpirationMs !== undefined ? { changeExpirationMs: opts.changeExpirationMs } : {}),
      ...(opts.retryBackoffMs !== undefined ? { retryBackoffMs: opts.retryBackoffMs } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  /** the highest notification sequence processed so far (-1 before any) */
  get lastProcessedSequence(): number {
    return this.listener.lastProcessedSequence;
  }

  /** Registers the session handler and processes the notifications already present. */
  startup(): Promise<void> {
    return this.listener.startup();
  }

  shutdown(): Promise<void> {
    return this.listener.shutdown();
  }

  /** Resolves once no pass is running or queued. */
  idle(): Promise<void> {
    return this.listener.idle();
  }

  private async processNotification(name: string, data: Buffer | null): Promise<void> {
    let entityPath: string;
    try {
      entityPath = NotificationZNode.decode(name, data);
    } catch (err) {
      this.opts.log.warn({ err, notification: name }, 'undecodable config change notification; skipped');
      return;
    }
    const slash = entityPath.indexOf('/');
    const type = slash < 0 ? entityPath : entityPath.slice(0, slash);
    const entity = slash < 0 ? '' : entityPath.slice(slash + 1);
    const handler = Object.hasOwn(this.opts.handlers, type) ? this.opts.handlers[type] : undefined;
    if (!handler || entity === '') {
      this.opts.log.warn({ notification: name, entityPath }, 'config change notification for an entity type this broker does not handle; ignored');
      return;
    }
    this.opts.log.info({ notification: name, entityType: type, entity }, 'processing config change notification');
    await handler(entity);
  }
}
