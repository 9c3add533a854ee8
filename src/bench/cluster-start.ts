/**
 * `npm run bench -- cluster-start`: how long `startCluster` (gregor/testing) takes to give a test ZooKeeper and 3
 * brokers with a controller, broken down into ZooKeeper serving, brokers started and controller elected — for a
 * standalone ZooKeeper with brokers as child processes (the default) and in this process, and for a 3-node
 * ensemble. Each layout is started `RUNS` times, one at a time; the median and the fastest run are printed with the
 * load average, since the machine is shared.
 */
import { startCluster, type StartClusterOptions, type StartupTimings } from '../testing/index.js';
import { loadAverages, median, printTable, printTotal } from './bench-cluster.js';

const RUNS = Number(process.env.GREGOR_BENCH_RUNS ?? 5);

const LAYOUTS: Array<{ name: string; opts: StartClusterOptions }> = [
  { name: 'standalone ZK + 3 broker processes', opts: { brokers: 3 } },
  { name: 'standalone ZK + 3 in-process brokers', opts: { brokers: 3, inProcess: true } },
  { name: '3-node ensemble + 3 broker processes', opts: { brokers: 3, ensemble: 3 } },
];

export async function runClusterStartBench(): Promise<void> {
  const started = Date.now();
  console.log(`load before: ${loadAverages()}; ${RUNS} runs per layout`);
  const rows: string[][] = [['layout', 'ZooKeeper ms', 'brokers ms', 'controller ms', 'fastest ms']];
  for (const layout of LAYOUTS) {
    const runs: StartupTimings[] = [];
    for (let i = 0; i < RUNS; i++) {
      const cluster = await startCluster(layout.opts);
      runs.push({ ...cluster.startup });
      await cluster.close();
    }
    const m = (k: keyof StartupTimings) => String(median(runs.map((r) => r[k])));
    rows.push([layout.name, m('zookeeperMs'), m('brokersMs'), m('controllerMs'), String(Math.min(...runs.map((r) => r.controllerMs)))]);
  }
  printTable(rows);
  console.log('(medians; each column is ms since startCluster was called)');
  printTotal(started);
}
