/**
 * The cluster's network faults, on the links its proxies carry (link.ts): between every pair of brokers (all
 * inter-broker traffic: follower fetches, controller requests, controlled shutdown), between each broker and
 * each ZooKeeper server, and — with `clientProxies` — between each broker and its clients. Links are named by their
 * ends; for a broker pair the lower id is end `a`, for a broker and ZooKeeper or its clients the broker is `a`.
 * `cut(from, to, { oneWay: true })` drops what `from` sends to `to`, whatever the ids' order; `cutZk(id, { oneWay })`
 * and `cutClients(id, { oneWay })` drop what the broker sends (to ZooKeeper; its responses to clients).
 */
import type { BrokerNode } from './broker-node.js';
import { LinkPairs, type CutOptions, type DelayOptions, type Link, type LinkState } from './link.js';

export interface ZkLinkOptions {
  /** only the link to this ZooKeeper server (its member id, or its position in an external connect string) */
  member?: number;
}

export class ClusterNetwork {
  private readonly peers = new LinkPairs('broker');

  constructor(
    private readonly node: (id: number) => BrokerNode,
    private readonly brokerIds: () => number[],
  ) {}

  /** The link between brokers `a` and `b` (a ≠ b), created on first use. */
  peerLink(a: number, b: number): Link {
    return this.peers.get(a, b);
  }

  private brokerLink(from: number, to: number): Link {
    this.node(from);
    this.node(to);
    return this.peerLink(from, to);
  }

  /** With `oneWay`, only what `from` sends to `to` is dropped. */
  cut(from: number, to: number, opts: CutOptions = {}): void {
    this.brokerLink(from, to).cut(opts, from < to);
  }

  delay(from: number, to: number, ms: number, opts: DelayOptions = {}): void {
    this.brokerLink(from, to).delay(ms, opts, from < to);
  }

  /** Cuts broker `id` from every other broker (its ZooKeeper links stay). */
  isolate(id: number, opts: CutOptions = {}): void {
    for (const other of this.brokerIds()) if (other !== id) this.cut(id, other, opts);
  }

  /** Heals the link between `a` and `b`; with one id, every peer link of that broker; with none, every peer link. */
  heal(a?: number, b?: number): void {
    if (a !== undefined && b !== undefined) return this.peerLink(a, b).heal();
    for (const l of this.peers.all()) if (a === undefined || l.a === `broker ${a}` || l.b === `broker ${a}`) l.heal();
  }

  private zkLinks(id: number, opts: ZkLinkOptions): Link[] {
    const links = this.node(id).zkLinks;
    if (opts.member === undefined) return [...links];
    const link = links.find((l) => l.b === `zookeeper ${opts.member}`) ?? links[opts.member - 1];
    if (!link) throw new Error(`broker ${id} has no link to ZooKeeper server ${opts.member}`);
    return [link];
  }

  cutZk(id: number, opts: CutOptions & ZkLinkOptions = {}): void {
    for (const l of this.zkLinks(id, opts)) l.cut(opts);
  }

  delayZk(id: number, ms: number, opts: DelayOptions & ZkLinkOptions = {}): void {
    for (const l of this.zkLinks(id, opts)) l.delay(ms, opts);
  }

  healZk(id?: number): void {
    for (const b of id === undefined ? this.brokerIds() : [id]) for (const l of this.node(b).zkLinks) l.heal();
  }

  private clientLink(id: number): Link {
    const link = this.node(id).clientLink;
    if (!link) throw new Error('clients connect to the brokers directly: start the cluster with clientProxies: true to cut them');
    return link;
  }

  cutClients(id: number, opts: CutOptions = {}): void {
    this.clientLink(id).cut(opts);
  }

  delayClients(id: number, ms: number, opts: DelayOptions = {}): void {
    this.clientLink(id).delay(ms, opts);
  }

  healClients(id?: number): void {
    for (const b of id === undefined ? this.brokerIds() : [id]) this.node(b).clientLink?.heal();
  }

  /** Resets broker `id`'s ZooKeeper connections and refuses new ones until the returned function is called. */
  holdZk(id: number): () => void {
    const releases = this.node(id).zkLinks.map((l) => l.hold());
    return () => releases.forEach((r) => r());
  }

  healAll(): void {
    this.heal();
    this.healZk();
    this.healClients();
  }

  /** Every link that carries a fault now (or every link with `all`). */
  links(opts: { all?: boolean } = {}): LinkState[] {
    const brokerLinks = (id: number) => {
      const n = this.node(id);
      return n.clientLink ? [...n.zkLinks, n.clientLink] : n.zkLinks;
    };
    const all = [...this.peers.all(), ...this.brokerIds().flatMap(brokerLinks)].map((l) => l.state());
    if (opts.all) return all;
    const faulty = (d: LinkState['aToB']) => d.blocked || d.delayMs > 0 || d.jitterMs > 0 || d.bytesPerSecond > 0;
    return all.filter((s) => s.reset || faulty(s.aToB) || faulty(s.bToA));
  }
}

