/**
 * `gregor console-producer`: Kafka 2.7's kafka-console-producer.sh — stdin lines to a topic.
 *
 * - LineMessageReader: prints `>` before reading each line; with `--property parse.key=true` a line is
 *   split at the first `key.separator` (TAB by default) into key and value; a line without it fails
 *   with `No key found on line N: <line>` unless `ignore.error=true` (then the whole line is the value).
 * - Records go through the project's producer (Java's default partitioner); they are sent in batches
 *   of `--batch-size` lines or after `--timeout` ms (linger.ms), each line at once with `--sync`, and
 *   everything left at end of input.
 * - acks: `--request-required-acks` over `--producer-property acks=` (default 1, as 2.7);
 *   compression: `--compression-codec [none|gzip|snappy|lz4|zstd]` (gzip when given without a value)
 *   over `--producer-property compression.type=`.
 * - A failed send prints Kafka's ErrorLoggingCallback line on stderr and the exit code is 1.
 */
import { COMPRESSION_CODECS, Producer, type ProducerRecord } from '../client/producer.js';
import { parseKeyValues, readLines, adminClient, runTool, UsageError, type ToolIo } from './tool-runtime.js';

export interface ConsoleProducerOptions {
  bootstrapServer?: string;
  /** --producer.config: producer properties file (its security settings are used) */
  producerConfig?: string;
  brokerList?: string;
  topic?: string;
  property?: string[];
  producerProperty?: string[];
  requestRequiredAcks?: string;
  compressionCodec?: string | boolean;
  sync?: boolean;
  batchSize?: number;
  timeout?: number;
  requestTimeoutMs?: number;
}

export function parseLine(line: string, lineNumber: number, props: ReadonlyMap<string, string>): { key: Buffer | null; value: Buffer } {
  if (props.get('parse.key') !== 'true') return { key: null, value: Buffer.from(line, 'utf8') };
  const separator = props.get('key.separator') ?? '\t';
  const at = line.indexOf(separator);
  if (at < 0) {
    if (props.get('ignore.error') === 'true') return { key: null, value: Buffer.from(line, 'utf8') };
    throw new Error(`No key found on line ${lineNumber}: ${line}`);
  }
  return { key: Buffer.from(line.slice(0, at), 'utf8'), value: Buffer.from(line.slice(at + separator.length), 'utf8') };
}

export async function runConsoleProducer(o: ConsoleProducerOptions, io: ToolIo): Promise<number> {
  return runTool(io, '', async () => {
    if (!o.topic) throw new UsageError('Missing required argument "[topic]"');
    const bootstrapServer = o.bootstrapServer ?? o.brokerList;
    if (!bootstrapServer) throw new UsageError('Missing required argument "[bootstrap-server]"');
    const props = parseKeyValues(o.property, 'property');
    const producerProps = parseKeyValues(o.producerProperty, 'producer property');
    const acksText = o.requestRequiredAcks ?? producerProps.get('acks') ?? '1';
    const acks = acksText === 'all' ? -1 : Number(acksText);
    if (![-1, 0, 1].includes(acks)) throw new Error(`Invalid value ${acksText} for configuration acks: String must be one of: all, -1, 0, 1`);
    const codecName = o.compressionCodec === true ? 'gzip' : typeof o.compressionCodec === 'string' ? o.compressionCodec : (producerProps.get('compression.type') ?? 'none');
    const compression = COMPRESSION_CODECS[codecName];
    if (compression === undefined) throw new Error(`Invalid value ${codecName} for configuration compression.type: String must be one of: none, gzip, snappy, lz4, zstd`);
    const batchSize = o.sync ? 1 : (o.batchSize ?? 200);
    const lingerMs = o.timeout ?? Number(producerProps.get('linger.ms') ?? 1000);
    const requestTimeoutMs = o.requestTimeoutMs ?? Number(producerProps.get('request.timeout.ms') ?? 1500);
    const topic = o.topic;
    const client = adminClient(
      { bootstrapServer, timeoutMs: Math.max(requestTimeoutMs, 30_000), ...(o.producerConfig ? { commandConfig: o.producerConfig } : {}), clientProperties: producerProps },
      producerProps.get('client.id') ?? 'console-producer',
    );
    const producer = new Producer(client, { acks, compression, requestTimeoutMs, deliveryTimeoutMs: Number(producerProps.get('delivery.timeout.ms') ?? 120_000) });
    let failed = false;
    let buffer: ProducerRecord[] = [];
    let lingerTimer: NodeJS.Timeout | null = null;
    let inFlight: Promise<void> = Promise.resolve();
    const flush = (): Promise<void> => {
      if (lingerTimer) clearTimeout(lingerTimer);
      lingerTimer = null;
      const batch = buffer;
      buffer = [];
      inFlight = inFlight.then(() =>
        producer.send(topic, batch).catch((err: unknown) => {
          failed = true;
          const first = batch[0];
          io.err(
            `ERROR Error when sending message to topic ${topic} with key: ${first?.key === null || first?.key === undefined ? 'null' : `${first.key.length} bytes`}, ` +
              `value: ${first?.value?.length ?? 0} bytes with error: ${err instanceof Error ? err.message : String(err)} (org.apache.kafka.clients.producer.internals.ErrorLoggingCallback)\n`,
          );
        }),
      );
      return inFlight;
    };
    try {
      let lineNumber = 0;
      io.out('>');
      for await (const line of readLines(io.stdin ?? noInput())) {
        lineNumber++;
        buffer.push(parseLine(line, lineNumber, props));
        if (buffer.length >= batchSize) await flush();
        else lingerTimer ??= setTimeout(() => void flush(), lingerMs);
        io.out('>');
      }
      await flush();
      await inFlight;
    } finally {
      if (lingerTimer) clearTimeout(lingerTimer);
      await client.close();
    }
    return failed ? 1 : 0;
  });
}

async function* noInput(): AsyncGenerator<string> {}
