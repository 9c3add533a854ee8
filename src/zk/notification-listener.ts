/**
 * Kafka's ZkNodeChangeNotificationListener: a sequence of notification znodes
 * (`<root>/<prefix><seq>`) that every broker follows. Used for config changes (`/config/changes`,
 * config-change-watcher.ts) and ACL changes (`/kafka-acl-changes`, `/kafka-acl-extended-changes`,
 * acl-store.ts).
 *
 * - One loop acts; the ZooKeeper child watch and the session handler only enqueue (ARCHITECTURE 10).
 * - Each pass lists the children with a new one-shot watch (re-armed on every fire), sorts them by
 *   sequence, and hands those above the last processed sequence to the handler, starting from -1:
 *   every notification already there at startup is processed once. The notification is only a
 *   trigger; the handler re-reads what it names.
 * - Notifications whose ctime is older than `changeExpirationMs` (Kafka: 15 min) are deleted.
 * - After a ZooKeeper session re-initialisation the watch is gone: a pass is enqueued, which lists
 *   (and re-arms) again and processes what arrived meanwhile.
 * - A failing pass (connection loss, a handler throwing) is logged and retried after `retryBackoffMs`;
 *   a notification whose handler failed is not skipped.
 */
import type { ZkClient } from './client.js';
import { ClientClosedError, NoNodeError } from './client.js';

export interface NotificationLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  debug?(obj: object, msg: string): void;
}

export interface NotificationListenerOptions {
  zk: ZkClient;
  /** e.g. `/config/changes` */
  root: string;
  /** e.g. `config_change_` */
  prefix: string;
  /** processes one notification (name, content); throwing retries the pass later */
  handle(name: string, data: Buffer | null): void | Promise<void>;
  log: NotificationLogger;
  /** distinct per listener: the session state handler's name */
  name: string;
  /** Kafka's changeExpirationMs: 15 min */
  changeExpirationMs?: number;
  /** wait before retrying a failed pass; default 1000 ms */
  retryBackoffMs?: number;
  now?: () => number;
}

export class ZkNotificationListener {
  private lastExecutedChange = -1;
  private queued = false;
  private running: Promise<void> | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly changeExpirationMs: number;
  private readonly retryBackoffMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: NotificationListenerOptions) {
    this.changeExpirationMs = opts.changeExpirationMs ?? 15 * 60 * 1000;
    this.retryBackoffMs = opts.retryBackoffMs ?? 1000;
    this.now = opts.now ?? Date.now;
  }

  /** the highest notification sequence processed so far (-1 before any) */
  get lastProcessedSequence(): number {
    return this.lastExecutedChange;
  }

  /** Registers the session handler and processes the notifications already present. */
  async startup(): Promise<void> {
    this.opts.zk.registerStateChangeHandler({ name: this.opts.name, afterInitializingSession: () => this.enqueue() });
    this.enqueue();
    await this.idle();
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    this.opts.zk.unregisterStateChangeHandler(this.opts.name);
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
        this.opts.log.error({ err, root: this.opts.root }, 'error while processing change notifications; retrying');
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

  /** Children of the root with their sequence numbers, sorted; re-arms the child watch. */
  private async listNotifications(): Promise<Array<{ name: string; sequence: number }>> {
    const zk = this.opts.zk;
    let names: string[];
    try {
      names = await zk.getChildren(this.opts.root, () => this.enqueue());
    } catch (err) {
      if (!(err instanceof NoNodeError)) throw err;
      // Created at every broker start; if someone removed it, watch for it to come back.
      await zk.exists(this.opts.root, () => this.enqueue());
      return [];
    }
    const prefix = this.opts.prefix;
    return names
      .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
      .map((name) => ({ name, sequence: Number(name.slice(prefix.length)) }))
      .sort((a, b) => a.sequence - b.sequence);
  }

  private async processNotifications(): Promise<void> {
    const zk = this.opts.zk;
    const notifications = await this.listNotifications();
    const cutoff = this.now() - this.changeExpirationMs;
    const obsolete: string[] = [];
    for (const n of notifications) {
      if (this.stopped) return;
      const path = `${this.opts.root}/${n.name}`;
      // Old ones are read too: their ctime decides the purge (as Kafka's purgeObsoleteNotifications).
      const read = await zk.tryGetData(path);
      if (!read) continue; // purged meanwhile by another broker
      if (n.sequence > this.lastExecutedChange) {
        await this.opts.handle(n.name, read.data);
        this.lastExecutedChange = n.sequence;
      }
      if (read.stat.ctime < cutoff) obsolete.push(path);
    }
    if (obsolete.length > 0 && !this.stopped) {
      this.opts.log.debug?.({ notifications: obsolete }, 'purging obsolete change notifications');
      await Promise.all(
        obsolete.map((p) =>
          zk.delete(p).catch((err: unknown) => {
            if (!(err instanceof NoNodeError)) throw err;
          }),
        ),
      );
    }
  }
}
