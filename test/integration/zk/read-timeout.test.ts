/**
 * ZkClient's read timeout (src/zk/read-timeout.ts): a client whose server goes silent (here: its link blackholed
 * by the harness's proxy, as a SIGSTOPped or partitioned ensemble member would be) drops that connection after
 * 2/3 of the session timeout and carries on through the next server of its connect string, with the same session
 * and its ephemeral znode — before the session could expire. Without it the client would wait forever.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Link } from '../../../src/testing/link.js';
import { LinkProxy } from '../../../src/testing/proxy.js';
import { closeAllZk, connectZk, removeChroot, zkConnectForTest, zkServers } from '../../harness/zookeeper.js';

const connect = zkConnectForTest();
const chroot = connect.slice(connect.indexOf('/'));
const proxies: LinkProxy[] = [];

afterAll(async () => {
  await closeAllZk();
  await Promise.all(proxies.map((p) => p.close()));
  await removeChroot(connect);
});

describe('zk client - read timeout', () => {
  it('a silent server is left after 2/3 of the session timeout for the next one; the session and its ephemerals live on', async () => {
    const [host, port] = zkServers().split(',')[0]!.split(':') as [string, string];
    const links = [new Link('client', 'server A'), new Link('client', 'server B')];
    for (const link of links) {
      proxies.push(await LinkProxy.start({ target: () => ({ host, port: Number(port) }), route: () => ({ link, clientIsA: true }) }));
    }
    const client = await connectZk(`${proxies.map((p) => p.address).join(',')}${chroot}`, { sessionTimeoutMs: 6000, reinitializeOnExpiry: false });
    const session = client.sessionId;
    await client.create('/alive', Buffer.from('x'), { mode: 'ephemeral' });
    const used = links.findIndex((l) => l.state().connections > 0);
    expect(used).toBeGreaterThanOrEqual(0);
    const expired = new Promise<string>((resolve) => client.once('expired', () => resolve('expired')));
    links[used]!.cut(); // the server it talks to goes silent; the other one serves
    const t0 = Date.now();
    const outcome = await Promise.race([
      (async () => {
        // a read waits for the reconnect (connection loss is retried) and is answered by the other server
        const stat = await client.exists('/alive');
        return stat ? 'answered' : 'gone';
      })(),
      expired,
    ]);
    expect(outcome).toBe('answered');
    expect(Date.now() - t0).toBeLessThan(6000);
    expect(client.sessionId).toBe(session);
    expect(links[1 - used]!.state().connections).toBeGreaterThan(0);
    links[used]!.heal();
  });
});
