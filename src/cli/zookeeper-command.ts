/**
 * `gregor zookeeper start [--port 2181] [--data-dir DIR]` — zookeeper-server-start.sh with the real Apache
 * ZooKeeper (Debian package jar on the machine's Java), in the foreground until SIGINT/SIGTERM → exit 0.
 *
 * When ZooKeeper is missing and we are root with apt-get, the package is installed first (and a log line says
 * so); otherwise the exact package to install is printed and the exit code is 1.
 */
import { pino } from 'pino';
import { ZooKeeperNotInstalledError, runZooKeeperForeground, type ZkServerLogger } from '../zk/server-process.js';

export async function runZooKeeperStart(opts: { port: number; host: string; dataDir?: string }): Promise<number> {
  const root = pino({ name: 'zookeeper', base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime });
  // runZooKeeperForeground takes SIGINT/SIGTERM once the server serves. A signal that arrives during startup is
  // held and raised again as soon as it does (so the server is stopped in order, exit 0); a second one during
  // startup exits at once (the exit hook of server-process.ts kills the JVM it spawned).
  let serving = false;
  let pending: NodeJS.Signals | undefined;
  const early = (signal: NodeJS.Signals): void => {
    if (serving) return;
    if (pending) process.exit(1);
    pending = signal;
    root.info({ signal }, 'signal during ZooKeeper startup; stopping once it has started');
  };
  process.on('SIGINT', early);
  process.on('SIGTERM', early);
  // The server's pid is logged as zookeeperPid (`pid` is this process's, bound on every line).
  const fields = (obj: object): object => {
    const { pid, ...rest } = obj as { pid?: number };
    return pid === undefined ? rest : { ...rest, zookeeperPid: pid };
  };
  const log: ZkServerLogger = {
    info: (obj, msg) => {
      root.info(fields(obj), msg);
      if (msg === 'ZooKeeper running; Ctrl-C to stop') {
        serving = true;
        // runZooKeeperForeground installs its handlers right after this line, in the same tick.
        const signal = pending;
        if (signal) setImmediate(() => process.kill(process.pid, signal));
      }
    },
    warn: (obj, msg) => root.warn(fields(obj), msg),
  };
  try {
    return await runZooKeeperForeground({ port: opts.port, host: opts.host, dataDir: opts.dataDir, log });
  } catch (err) {
    if (err instanceof ZooKeeperNotInstalledError) {
      process.stderr.write(`gregor: ${err.message}\n`);
      return 1;
    }
    process.stderr.write(`gregor: ZooKeeper did not start: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', early);
    process.off('SIGTERM', early);
  }
}
