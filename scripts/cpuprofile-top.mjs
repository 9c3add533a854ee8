#!/usr/bin/env node
// Summarises V8 .cpuprofile files (node --cpu-prof; `GREGOR_BENCH_PROFILE=<dir> npm run bench -- latency`):
// self time per function (top N) and the share of GC, idle and native "(program)" time.
// Usage: node scripts/cpuprofile-top.mjs [--top 30] [--by file] [--callers fnName] <file.cpuprofile>...
// --callers prints the heaviest call paths (5 frames up) that end in fnName.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const DEPTH = Number(process.env.DEPTH ?? 5);
let top = 30;
let byFile = false;
let callers = null;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--by' && args[i + 1] === 'file') (byFile = true), i++;
  else if (args[i] === '--callers') callers = args[++i];
  else files.push(args[i]);
}
for (const file of files) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => `${n.callFrame.functionName || '(anon)'}@${n.callFrame.url.replace(/^.*\/(src|dist|node_modules)\//, '')}:${n.callFrame.lineNumber + 1}`;
  const paths = new Map();
  const self = new Map();
  const dt = p.timeDeltas;
  let total = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const n = nodes.get(p.samples[i]);
    const d = dt[i] ?? 0;
    total += d;
    const cf = n.callFrame;
    const url = cf.url.replace(/^.*\/(src|dist|node_modules)\//, '$1/');
    const key = byFile ? url || cf.functionName : `${cf.functionName || '(anonymous)'} ${url}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + d);
    if (callers && cf.functionName === callers) {
      const chain = [];
      for (let id = parent.get(n.id), k = 0; id !== undefined && k < DEPTH; id = parent.get(id), k++) chain.push(label(nodes.get(id)));
      const c = chain.join(' < ');
      paths.set(c, (paths.get(c) ?? 0) + d);
    }
  }
  const idle = [...self].filter(([k]) => k.startsWith('(idle)')).reduce((s, [, v]) => s + v, 0);
  const busy = total - idle;
  console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled, busy ${(busy / 1e6).toFixed(1)} s (${((100 * busy) / total).toFixed(0)}%)`);
  const rows = [...self].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, v] of rows) console.log(`${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`);
  if (callers) {
    console.log(`call paths into ${callers}:`);
    for (const [k, v] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`);
  }
}
