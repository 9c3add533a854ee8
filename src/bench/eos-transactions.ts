/**
 * The transaction cases of `npm run bench -- eos`: one confluent-kafka-python (librdkafka 2.0.2)
 * transactional producer commits `transactions` transactions of `recordsPerTxn` records of 100 bytes each
 * to one partition, timed from after init_transactions to the last commit_transaction (which returns once
 * EndTxn is answered; the next transaction's AddPartitionsToTxn waits for the markers, answered
 * CONCURRENT_TRANSACTIONS meanwhile, and librdkafka retries it every 20 ms, as with Kafka).
 * Environment: GREGOR_BENCH_TXNS (transactions of 10 records, default 1000; a tenth of it for 1,000 records),
 * GREGOR_PYTHON (default /usr/bin/python3).
 */
import { spawn } from 'node:child_process';
import { pinned } from './kcat.js';
import type { EosCase } from './eos.js';

const PYTHON = process.env.GREGOR_PYTHON ?? '/usr/bin/python3';
const TIMEOUT_MS = 600_000;

const SCRIPT = `
import json, sys, time
from confluent_kafka import Producer
bootstrap, topic, txn_id = sys.argv[1], sys.argv[2], sys.argv[3]
transactions, per = int(sys.argv[4]), int(sys.argv[5])
p = Producer({'bootstrap.servers': bootstrap, 'transactional.id': txn_id})
p.init_transactions(60)
value = b'x' * 100
start = time.monotonic()
for _ in range(transactions):
    p.begin_transaction()
    for _ in range(per): p.produce(topic, value=value, partition=0)
    p.commit_transaction(60)
print(json.dumps({'seconds': time.monotonic() - start}))
`;

function runPython(args: readonly string[], cpu: number | undefined): Promise<{ seconds: number }> {
  const [cmd, argv] = pinned(cpu, PYTHON, ['-c', SCRIPT, ...args]);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      const text = Buffer.concat(out).toString('utf8').trim();
      if (code !== 0) return reject(new Error(`transactional producer exited ${code}: ${Buffer.concat(err).toString('utf8').slice(-2000)}`));
      resolve(JSON.parse(text.split('\n').at(-1) ?? '{}') as { seconds: number });
    });
  });
}

export function transactionCase(name: string, topic: string, recordsPerTxn: number, transactions: number, baseline?: string): EosCase {
  return {
    name,
    ...(baseline ? { baseline } : {}),
    topics: [topic],
    async run(ctx, run) {
      const { seconds } = await runPython([ctx.broker.brokers, `${topic}-r${run}`, `bench-${topic}-r${run}`, String(transactions), String(recordsPerTxn)], ctx.clientCpu);
      return { records: transactions * recordsPerTxn, seconds, transactions, note: `${transactions} transactions of ${recordsPerTxn}` };
    },
  };
}

const SMALL = Number(process.env.GREGOR_BENCH_TXNS ?? 1000);

export const TRANSACTION_CASES: readonly EosCase[] = [
  transactionCase('transactions of 10 records', 'eos-txn-10', 10, SMALL),
  transactionCase('transactions of 1,000 records', 'eos-txn-1000', 1000, Math.max(1, Math.round(SMALL / 10))),
];
