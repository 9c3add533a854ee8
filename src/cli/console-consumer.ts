/**
 * `gregor console-consumer`: Kafka 2.7's kafka-console-consumer.sh.
 *
 * - `--topic` or `--whitelist <regex>`; a group (`--group`, default `console-consumer-<random>`) with
 *   auto.offset.reset=latest, or earliest with `--from-beginning` (it only matters without a committed
 *   offset); or `--partition N [--offset earliest|latest|<n>]` without a group.
 * - `--isolation-level read_committed|read_uncommitted` goes into every Fetch request (v4+):
 *   read_committed reads up to the last stable offset and drops aborted transactions.
 * - `--max-messages N` stops after N records; `--timeout-ms T` stops when no record came for T ms
 *   (2.7 logs the TimeoutException as an ERROR line and exits 0).
 * - DefaultMessageFormatter properties: print.timestamp, print.partition, print.offset, print.headers,
 *   print.key, print.value (default true), key.separator (TAB), line.separator ("\n"),
 *   headers.separator (","), null.literal ("null"); fields in Kafka's fixed order.
 * - On exit `Processed a total of N messages` goes to stderr; offsets are committed and the group left.
 */
import { Consumer, IsolationLevel, type ConsumedRecord } from '../client/consumer.js';
import { adminClient, includeListRegExp, parseKeyValues, runTool, UsageError, type ToolIo } from './tool-runtime.js';

export interface ConsoleConsumerOptions {
  bootstrapServer?: string;
  /** --consumer.config: consumer properties file (its security settings are used) */
  consumerConfig?: string;
  topic?: string;
  whitelist?: string;
  group?: string;
  fromBeginning?: boolean;
  partition?: number;
  offset?: string;
  maxMessages?: number;
  timeoutMs?: number;
  isolationLevel?: string;
  property?: string[];
  consumerProperty?: string[];
  skipMessageOnError?: boolean;
}

export interface FormatterOptions {
  printTimestamp: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printHeaders: boolean;
  printKey: boolean;
  printValue: boolean;
  keySeparator: string;
  lineSeparator: string;
  headersSeparator: string;
  nullLiteral: string;
}

export function formatterOptions(props: ReadonlyMap<string, string>): FormatterOptions {
  const flag = (k: string, d: boolean) => (props.has(k) ? props.get(k)?.trim().toLowerCase() === 'true' : d);
  return {
    printTimestamp: flag('print.timestamp', false),
    printPartition: flag('print.partition', false),
    printOffset: flag('print.offset', false),
    printHeaders: flag('print.headers', false),
    printKey: flag('print.key', false),
    printValue: flag('print.value', true),
    keySeparator: props.get('key.separator') ?? '\t',
    lineSeparator: props.get('line.separator') ?? '\n',
    headersSeparator: props.get('headers.separator') ?? ',',
    nullLiteral: props.get('null.literal') ?? 'null',
  };
}

/** DefaultMessageFormatter.writeTo for one record. */
export function formatRecord(r: ConsumedRecord, f: FormatterOptions): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s, 'utf8'));
  const sep = (more: boolean) => text(more ? f.keySeparator : f.lineSeparator);
  if (f.printTimestamp) {
    text(r.timestamp < 0 ? 'NO_TIMESTAMP' : `${r.timestampType === 1 ? 'LogAppendTime' : 'CreateTime'}:${r.timestamp}`);
    sep(f.printPartition || f.printOffset || f.printHeaders || f.printKey || f.printValue);
  }
  if (f.printPartition) {
    text(`Partition:${r.partition}`);
    sep(f.printOffset || f.printHeaders || f.printKey || f.printValue);
  }
  if (f.printOffset) {
    text(`Offset:${r.offset}`);
    sep(f.printHeaders || f.printKey || f.printValue);
  }
  if (f.printHeaders) {
    text(r.headers.length === 0 ? 'NO_HEADERS' : r.headers.map((h) => `${h.key}:${h.value === null ? 'null' : h.value.toString('utf8')}`).join(f.headersSeparator));
    sep(f.printKey || f.printValue);
  }
  if (f.printKey) {
    parts.push(r.key ?? Buffer.from(f.nullLiteral, 'utf8'));
    sep(f.printValue);
  }
  if (f.printValue) {
    parts.push(r.value ?? Buffer.from(f.nullLiteral, 'utf8'));
    text(f.lineSeparator);
  }
  return Buffer.concat(parts);
}

export async function runConsoleConsumer(o: ConsoleConsumerOptions, io: ToolIo): Promise<number> {
  return runTool(io, '', async () => {
    if (!o.bootstrapServer) throw new UsageError('Missing required argument "[bootstrap-server]"');
    if ([o.topic, o.whitelist].filter(Boolean).length !== 1) throw new UsageError('Exactly one of whitelist/topic is required.');
    if (o.partition !== undefined && !o.topic) throw new UsageError('The topic is required when partition is specified.');
    if (o.offset !== undefined && o.partition === undefined) throw new UsageError('The partition is required when offset is specified.');
    if (o.fromBeginning && o.offset !== undefined) throw new UsageError('Options from-beginning and offset cannot be specified together.');
    if (o.group && o.partition !== undefined) throw new UsageError('Options group and partition cannot be specified together.');
    const isolation = o.isolationLevel ?? 'read_uncommitted';
    if (isolation !== 'read_committed' && isolation !== 'read_uncommitted') {
      throw new Error(`Invalid value ${isolation} for configuration isolation.level: String must be one of: read_committed, read_uncommitted`);
    }
    const consumerProps = parseKeyValues(o.consumerProperty, 'consumer property');
    const formatter = formatterOptions(parseKeyValues(o.property, 'property'));
    const offsetSpec = o.offset ?? (o.fromBeginning ? 'earliest' : 'latest');
    if (!/^(earliest|latest|\d+)$/.test(offsetSpec)) throw new UsageError(`The provided offset value '${offsetSpec}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
    const client = adminClient(
      { bootstrapServer: o.bootstrapServer, ...(o.consumerConfig ? { commandConfig: o.consumerConfig } : {}), clientProperties: consumerProps },
      consumerProps.get('client.id') ?? 'console-consumer',
    );
    const groupId = o.partition !== undefined ? null : (o.group ?? consumerProps.get('group.id') ?? `console-consumer-${Math.floor(Math.random() * 100000)}`);
    const consumer = new Consumer(client, {
      groupId,
      isolationLevel: isolation === 'read_committed' ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted,
      autoOffsetReset: o.fromBeginning ? 'earliest' : ((consumerProps.get('auto.offset.reset') as 'earliest' | 'latest' | undefined) ?? 'latest'),
      autoCommit: consumerProps.get('enable.auto.commit') !== 'false',
    });
    let stopped = false;
    const unregister = io.onInterrupt?.(() => (stopped = true)) ?? (() => {});
    let count = 0;
    try {
      if (o.partition !== undefined) {
        await consumer.assign([{ topic: o.topic as string, partition: o.partition, offset: /^\d+$/.test(offsetSpec) ? Number(offsetSpec) : (offsetSpec as 'earliest' | 'latest') }]);
      } else if (o.topic) {
        consumer.subscribe([o.topic]);
      } else {
        consumer.subscribe(includeListRegExp(o.whitelist as string));
      }
      let lastRecordAt = Date.now();
      while (!stopped && (o.maxMessages === undefined || count < o.maxMessages)) {
        const records = await consumer.poll();
        for (const r of records) {
          if (o.maxMessages !== undefined && count >= o.maxMessages) break;
          io.out(formatRecord(r, formatter));
          count++;
        }
        if (records.length > 0) lastRecordAt = Date.now();
        else if (o.timeoutMs !== undefined && Date.now() - lastRecordAt >= o.timeoutMs) {
          io.err('ERROR Error processing message, terminating consumer process:  (kafka.tools.ConsoleConsumer$) org.apache.kafka.common.errors.TimeoutException\n');
          break;
        }
      }
    } finally {
      unregister();
      await consumer.close().catch(() => undefined);
      await client.close();
      io.err(`Processed a total of ${count} messages\n`);
    }
    return 0;
  });
}
