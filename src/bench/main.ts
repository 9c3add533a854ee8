/**
 * `npm run bench -- <name> [--tls]`: prints throughput/latency figures. Benchmarks are never timed
 * assertions; each prints its figures beside a baseline measured in the same run.
 * `produce --tls` compares TLS with plaintext on one broker instead of gregor with librdkafka's mock.
 */
const tls = process.argv.includes('--tls');

const BENCHES: Record<string, () => Promise<{ run(): Promise<void> }>> = {
  log: async () => ({ run: (await import('./log.js')).runLogBench }),
  produce: async () => ({ run: tls ? (await import('./produce-tls.js')).runProduceTlsBench : (await import('./produce.js')).runProduceBench }),
  groups: async () => ({ run: (await import('./groups.js')).runGroupsBench }),
  replication: async () => ({ run: (await import('./replication.js')).runReplicationBench }),
  path: async () => ({ run: (await import('./request-path.js')).runRequestPathBench }),
  latency: async () => ({ run: (await import('./latency.js')).runLatencyBench }),
  soak: async () => ({ run: (await import('./soak.js')).runSoakBench }),
  eos: async () => ({ run: async () => (await import('./eos.js')).runEosBench() }),
  'cluster-start': async () => ({ run: (await import('./cluster-start.js')).runClusterStartBench }),
  compaction: async () => ({ run: (await import('./compaction.js')).runCompactionBench }),
};

async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const selected = names.length > 0 ? names : Object.keys(BENCHES);
  for (const name of selected) {
    const load = BENCHES[name];
    if (!load) {
      console.error(`unknown benchmark "${name}"; available: ${Object.keys(BENCHES).join(', ')}`);
      process.exitCode = 2;
      return;
    }
    console.log(`== bench ${name}`);
    await (await load()).run();
  }
}

await main();
