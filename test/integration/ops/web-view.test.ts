/**
 * The web view (GET / on a broker's http.listener) in a real headless browser: Debian's chromium
 * driven by playwright-core. The page shows the brokers and the controller with its epoch, topics
 * and partitions with leader/ISR/state, a consumer group with members, assignment and lag, the
 * ZooKeeper tree, and the timeline; killing a broker makes the election appear live (timeline event
 * over Server-Sent Events, the partition's new leader) without reloading. Screenshots are kept under
 * test-artifacts/web-view/ (git-ignored).
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../../harness/cluster.js';
import { kafkaClients, kcatProduce, type KafkaClients } from '../../harness/clients.js';
import { waitFor } from '../../harness/wait-for.js';
import { tool } from '../tools/tool-kit.js';

const CHROMIUM = process.env.GREGOR_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.resolve('test-artifacts/web-view');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let cluster: Cluster;
let context: BrowserContext;
let page: Page;
let profile: string;
let clients: KafkaClients;
let controller: number;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)`);
  await mkdir(ARTIFACTS, { recursive: true });
  cluster = await startCluster({ brokers: 3, inProcess: true, brokerConfig: { 'http.listener': '127.0.0.1:0' } });
  controller = await cluster.controllerId();
  profile = await mkdtemp(path.join(os.tmpdir(), 'gregor-chromium-'));
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 } });
  page = context.pages()[0] ?? (await context.newPage());
  clients = kafkaClients(cluster.bootstrapServers);
});

afterAll(async () => {
  await clients?.disconnectAll();
  await context?.close();
  await cluster?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });

describe('web view (chromium)', () => {
  it('web view - brokers, controller and epoch, partitions, a group with lag, the ZooKeeper tree and the timeline', async () => {
    const others = cluster.ids.filter((id) => id !== controller);
    const [a, b] = others as [number, number];
    expect((await tool(['topics', '--bootstrap-server', cluster.bootstrapServers, '--create', '--topic', 'watched', '--replica-assignment', `${a}:${controller},${b}:${controller}`])).code).toBe(0);
    await cluster.waitForIsr({ topic: 'watched', partition: 0 }, [a, controller]);
    await cluster.waitForIsr({ topic: 'watched', partition: 1 }, [b, controller]);
    await kcatProduce(cluster.bootstrapServers, 'watched', ['one', 'two', 'three'], { partition: 0 });
    const consumer = await clients.consumer({ groupId: 'viewers' });
    await consumer.subscribe({ topics: ['watched'], fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void seen++ });
    await waitFor(() => seen >= 3, { what: 'the group consumed 3 messages', timeoutMs: 30_000 });
    await kcatProduce(cluster.bootstrapServers, 'watched', ['four'], { partition: 1 });

    await page.goto(cluster.broker(controller).httpUrl!);
    await page.waitForSelector('#brokers tbody tr:nth-child(3)');
    const summary = page.locator('#controller-summary');
    await expect.poll(() => summary.getAttribute('data-controller')).toBe(String(controller));
    expect(Number(await summary.getAttribute('data-epoch'))).toBeGreaterThanOrEqual(1);
    expect(await page.locator(`#brokers tr[data-broker="${controller}"] .badge.controller`).count()).toBe(1);
    await page.waitForSelector('[data-partition="watched-0"][data-state="online"]');
    expect(await page.locator('[data-partition="watched-0"]').getAttribute('data-leader')).toBe(String(a));
    await page.waitForSelector('[data-group="viewers"] td');
    await expect.poll(async () => page.locator('[data-group="viewers"]').innerText(), { timeout: 20_000 }).toMatch(/watched\(0,1\)|watched\(1,0\)/);
    // the timeline has the controller's records from its election and the topic creation
    await expect.poll(() => page.locator('#timeline li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    expect(await page.locator('#timeline').innerText()).toMatch(/elected as the controller|new partition creation callback|partition state change/);
    // the ZooKeeper browser: expand "/" and open /controller
    await page.locator('#zk-tree .node[data-path="/controller"]').click();
    await expect.poll(() => page.locator('#zk-node').innerText()).toContain(`"brokerid":${controller}`);
    await shot('1-cluster');
    await consumer.disconnect();
  });

  it('web view - killing a broker: the election appears in the timeline and the partition gets a new leader, live', async () => {
    const victim = Number(await page.locator('[data-partition="watched-0"]').getAttribute('data-leader'));
    expect(victim).not.toBe(controller);
    const before = await page.locator('#timeline li').count();
    await cluster.kill(victim);
    try {
      // no reload: the SSE stream brings the controller's records, the page refreshes its state on each
      await expect.poll(() => page.locator('#timeline li').count(), { timeout: 30_000 }).toBeGreaterThan(before);
      await expect.poll(() => page.locator('#timeline').innerText(), { timeout: 30_000 }).toMatch(/broker failure callback/);
      await expect.poll(() => page.locator('#timeline').innerText(), { timeout: 30_000 }).toMatch(/OnlinePartition|partition state change/);
      await expect.poll(() => page.locator('[data-partition="watched-0"]').getAttribute('data-leader'), { timeout: 30_000 }).toBe(String(controller));
      await expect.poll(() => page.locator(`#brokers tr[data-broker="${victim}"]`).count()).toBe(0);
      await shot('2-after-failover');
    } finally {
      await cluster.restart(victim);
    }
    await expect.poll(() => page.locator(`#brokers tr[data-broker="${victim}"]`).count(), { timeout: 30_000 }).toBe(1);
    await expect.poll(() => page.locator('#timeline').innerText(), { timeout: 30_000 }).toMatch(/new broker startup callback/);
    await shot('3-broker-back');
  });

  it('web view - serves only GET, answers 404 for unknown paths, and the page needs nothing from the network', async () => {
    const url = cluster.broker(controller).httpUrl!;
    expect((await fetch(`${url}nope`)).status).toBe(404);
    expect((await fetch(`${url}metrics`, { method: 'POST' })).status).toBe(405);
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.reload();
    await page.waitForSelector('#brokers tbody tr');
    expect(requested.length).toBeGreaterThan(0);
    for (const r of requested) expect(r.startsWith(url)).toBe(true);
  });
});
