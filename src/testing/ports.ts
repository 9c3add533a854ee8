/**
 * Ports the harness binds again after a restart (a ZooKeeper member's, a broker's client port) are picked at random
 * BELOW the kernel's ephemeral range (32768+ on Linux) and probed free. The kernel hands out ports for `listen(0)`
 * and for outgoing connections only from that range, so while the process that owns such a port is down (killed by
 * a test), no connection of this process or of any other on the machine can take it; a port from `listen(0)` can be
 * taken that way and the restart then fails with EADDRINUSE for as long as the other socket lives (seen with a
 * fault soak running beside a CI run).
 */
import net from 'node:net';

const LOW = 20000;
const SPAN = 12000;

/** A port below the ephemeral range that is free on `host` right now and not in `taken` (which it joins). */
export async function pickFixedPort(host: string, taken: Set<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOW + Math.floor(Math.random() * SPAN);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port found below the ephemeral range');
}
