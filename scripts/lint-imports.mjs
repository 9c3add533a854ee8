#!/usr/bin/env node
// Layering rules the type checker cannot see (ARCHITECTURE §9–§10, aesthetics rule 2):
// - only src/zk/ imports node-zookeeper-client;
// - src/protocol/ is sans-IO: no node:net, node:fs, logger or broker-layer imports;
// - only src/network/ opens Kafka sockets (node:net); src/zk/ may, for ZooKeeper itself, and src/testing/
//   for the test harness's fault-injection proxies;
// - layers: request handlers (src/server/) call the services below them, never the reverse, so
//   nothing under the broker's lower layers imports src/server/; the purgatory and the metadata
//   cache sit below both the partitions (src/cluster/) and the coordinators;
// - nothing in the broker imports the test harness (src/testing/, the gregor/testing entry point); benchmarks may.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const problems = [];

const LOWER_LAYERS = new Set(['common', 'config', 'protocol', 'network', 'log', 'zk', 'metadata', 'purgatory', 'cluster', 'replication', 'controller', 'coordinator', 'security']);

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) check(relative(root, p), readFileSync(p, 'utf8'));
  }
}

function check(file, text) {
  const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
  for (const spec of imports) {
    if (spec === 'node-zookeeper-client' && !file.startsWith('src/zk/')) problems.push(`${file}: imports node-zookeeper-client outside src/zk/`);
    if (file.startsWith('src/protocol/')) {
      if (/^(node:)?(net|fs|fs\/promises)$/.test(spec)) problems.push(`${file}: protocol/ must not do I/O (${spec})`);
      if (/\/(server|log|cluster|network|controller|coordinator|zk)\//.test(spec) || spec === 'pino') problems.push(`${file}: protocol/ imports ${spec}`);
    }
    const layer = file.split('/')[1];
    if (layer !== 'testing' && layer !== 'bench' && /(^|\/)testing\//.test(spec)) problems.push(`${file}: only tests and benchmarks use the test harness (${spec})`);
    if (LOWER_LAYERS.has(layer) && /(^|\/)server\//.test(spec)) problems.push(`${file}: ${layer}/ must not import the request layer (${spec})`);
    if ((layer === 'purgatory' || layer === 'metadata') && /\/(cluster|coordinator|controller|replication)\//.test(spec)) {
      problems.push(`${file}: ${layer}/ sits below ${spec}`);
    }
    // src/testing/ (the gregor/testing harness) runs TCP proxies between brokers and to ZooKeeper to inject
    // network faults, and probes ZooKeeper's ports; it is test tooling, never part of a broker.
    if (/^(node:)?net$/.test(spec) && !['src/network/', 'src/bench/', 'src/zk/', 'src/testing/'].some((dir) => file.startsWith(dir))) {
      problems.push(`${file}: only src/network/ opens sockets (${spec})`);
    }
  }
}

walk(join(root, 'src'));
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('import layering ok');
