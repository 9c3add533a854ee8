/**
 * Kafka's DynamicConfigManager over ZkNodeChangeNotificationListener (zk-and-controller.md §14):
 * every broker watches the children of `/config/changes`; each `config_change_<seq>` notification
 * names an entity (`{"version":2,"entity_path":"topics/<t>"}`, v1 `entity_type`/`entity_name`), and
 * the handler for the entity type re-reads the entity znode itself (`/config/topics/<t>`) and applies
 * it — the notification is only a trigger.
 *
 * - One loop acts; the ZooKeeper child watch and the session handler only enqueue (ARCHITECTURE 10).
 * - Each pass lists the children with a new one-shot watch (re-armed on every fire), sorts them by
 *   sequence, and processes those above the last processed sequence, starting from -1: every
 *   notification already there at startup is processed once.
 * - Notifications whose ctime is older than `changeExpirationMs` (Kafka: 15 min) are deleted.
 * - After a ZooKeeper session re-initialisation the watch is gone: a pass is enqueued, which lists
 *   (and re-arms) again and processes what arrived meanwhile.
 * - A failing pass (connection loss, a handler throwing) is logged and retried after `retryBackoffMs`;
 *   a notification whose handler failed is not skipped.
 * - Unknown entity types and undecodable notifications are logged and skipped, as Kafka does.
 */
import type { ZkClient } from './client.js';
import { ClientClosedError, NoNodeError } from './client.js';
import type { KafkaZkClient } from './kafka-zk-client.js';
import { ConfigEntityChangeNotificationSequenceZNode as NotificationZNode, ConfigEntityChangeNotificationZNode } from './znodes.js';

/** `topics`, `clients`, `users`, `brokers` (entity name may contain '/' for users/<u>/clients/<c>). */
export type ConfigEntityHandler = (entityName: string) => void | Promise<void>;

export interface ConfigChangeLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

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

const STATE_HANDLER_NAME = 'config-change-watcher';

export class ConfigChangeWatcher {
  private lastExecutedChange = -1;
  private queued = false;
  private running: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly changeExpirationMs: number;
  private readonly retryBackoffMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: ConfigChangeWatcherOptions) {
    this.changeExpirationMs = opts.changeExpirationMs ?? 15 * 60 * 1000;
    this.retryBackoffMs = opts.retryBackoffMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  private get zk(): ZkClient {
    return this.opts.zk.zk;
  }

  /** the highest notification sequence processed so far (-1 before any) */
  get lastProcessedSequence(): number {
    return this.lastExecutedChange;
  }

  /** Registers the session handler and processes the notifications already present. */
  async startup(): Promise<void> {
    this.zk.registerStateChangeHandler({
      name: STATE_HANDLER_NAME,
      afterInitializingSession: () => this.enqueue(),
    });
    this.enqueue();
    await this.idle();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.zk.unregisterStateChangeHandler(STATE_HANDLER_NAME);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    await this.idle();
  }

  /** Resolves once no pass is running or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Watches and the session handler call this: it only marks a pass as wanted and wakes the loop. */
  private enqueue(): void {
    if (this.stopped) return;
    this.queued = true;
    this.running ??= this.loop().finally(() => {
      this.running = null;
    });
  }

  private async loop(): Promise<void> {
    while (this.queued && !this.stopped) {
      this.queued = false;
      try {
        await this.processNotifications();
      } catch (err) {
        if (this.stopped || err instanceof ClientClosedError) return;
        this.opts.log.error({ err }, 'error while processing config change notifications; retrying');
        this.scheduleRetry();
      }
    }
  }

  private scheduleRetry(): void {
    if (this.retryTimer || this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.enqueue();
    }, this.retryBackoffMs);
    this.retryTimer.unref?.();
  }

  /** Children of /config/changes with their sequence numbers, sorted; re-arms the child watch. */
  private async listNotifications(): Promise<Array<{ name: string; sequence: number }>> {
    let names: string[];
    try {
      names = await this.zk.getChildren(ConfigEntityChangeNotificationZNode.path, () => this.enqueue());
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      // Created at every broker start; if someone removed it, watch for it to come back.
      await this.zk.exists(ConfigEntityChangeNotificationZNode.path, () => this.enqueue());
      return [];
    }
    const prefix = NotificationZNode.prefix;
    return names
      .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
      .map((name) => ({ name, sequence: Number(name.slice(prefix.length)) }))
      .sort((a, b) => a.sequence - b.sequence);
  }

  private async processNotifications(): Promise<void> {
    const notifications = await this.listNotifications();
    const cutoff = this.now() - this.changeExpirationMs;
    const obsolete: string[] = [];
    for (const n of notifications) {
      if (this.stopped) return;
      const isNew = n.sequence > this.lastExecutedChange;
      // Old ones are read too: their ctime decides the purge (as Kafka's purgeObsoleteNotifications).
      const read = await this.zk.tryGetData(NotificationZNode.path(n.name));
      if (!read) continue; // purged meanwhile by another broker
      if (isNew) {
        let entityPath: string | null = null;
        try {
          entityPath = NotificationZNode.decode(n.name, read.data);
        } catch (err) {
          this.opts.log.warn({ err, notification: n.name }, 'undecodable config change notification; skipped');
        }
        if (entityPath !== null) await this.processNotification(n.name, entityPath);
        this.lastExecutedChange = n.sequence;
      }
      if (read.stat.ctime < cutoff) obsolete.push(n.name);
    }
    if (obsolete.length > 0 && !this.stopped) {
      this.opts.log.debug?.({ notifications: obsolete }, 'purging obsolete config change notifications');
      await this.opts.zk.deleteConfigChangeNotifications(obsolete);
    }
  }

  private async processNotification(name: string, entityPath: string): Promise<void> {
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
