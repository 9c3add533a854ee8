import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/messages/api-versions.js';
import { Reader } from '../../../src/protocol/primitives.js';
import { message, t } from '../../../src/protocol/schema.js';
import { CloseConnection, defineHandler } from '../../../src/server/handler.js';
import { apiVersions, isValidClientSoftware } from '../../../src/server/handlers/api-versions.js';
import { kafkajsDecodeResponse } from '../protocol/kafkajs-oracle.js';
import { EchoRequest, EchoResponse, RawClient, requestFrame, startTestServer, type TestServer } from '../network/helpers.js';

const echo = defineHandler({ request: EchoRequest, response: EchoResponse, versions: { min: 0, max: 1 }, handle: (req) => ({ errorCode: 0, id: req.id }) });

// A stand-in Metadata (key 3) that closes: enough to see librdkafka move past ApiVersions.
const TestMetadataRequest = message({ apiKey: 3, name: 'TestMetadataRequest', versions: [0, 9], flexibleSince: 9 }, {});
const TestMetadataResponse = message({ apiKey: 3, name: 'TestMetadataResponse', versions: [0, 9], flexibleSince: 9 }, {});
const closingMetadata = defineHandler({
  request: TestMetadataRequest,
  response: TestMetadataResponse,
  versions: { min: 0, max: 9 },
  handle() {
    throw new CloseConnection('no Metadata handler in this test');
  },
});

let ts: TestServer | undefined;
let c: RawClient | undefined;
afterEach(async () => {
  c?.destroy();
  c = undefined;
  await ts?.stop();
  ts = undefined;
});

async function ask(version: number, value: { clientSoftwareName?: string; clientSoftwareVersion?: string } = {}): Promise<Buffer> {
  ts ??= await startTestServer({ handlers: [echo, apiVersions, closingMetadata] });
  c ??= await RawClient.connect(ts.port);
  c.write(requestFrame(ApiVersionsRequest, version, 100 + version, value));
  const frame = await c.nextFrame();
  expect(frame.readInt32BE(0)).toBe(100 + version);
  return frame.subarray(4); // response header v0 always: just the correlation id
}

const expectedKeys = [
  { apiKey: 3, minVersion: 0, maxVersion: 9 },
  { apiKey: 18, minVersion: 0, maxVersion: 3 },
  { apiKey: 32001, minVersion: 0, maxVersion: 1 },
];

describe('ApiVersions handler', () => {
  it.each([0, 1, 2])('api-versions - v%i decodes with kafkajs', async (v) => {
    const body = await ask(v);
    const decoded = await kafkajsDecodeResponse('apiVersions', v, body);
    expect(decoded.errorCode).toBe(0);
    expect(decoded.apiVersions).toEqual(expectedKeys);
    if (v >= 1) expect(decoded.throttleTime).toBe(0);
    expect(body.length).toBe(2 + 4 + 6 * expectedKeys.length + (v >= 1 ? 4 : 0));
  });

  it('api-versions - v3 is flexible in the body, not in the header', async () => {
    const body = await ask(3, { clientSoftwareName: 'librdkafka', clientSoftwareVersion: '2.0.2' });
    expect(body.readInt16BE(0)).toBe(0); // the error code follows the correlation id directly
    const r = new Reader(body);
    const decoded = ApiVersionsResponse.decode(r, 3);
    expect(r.remaining).toBe(0);
    expect(decoded.errorCode).toBe(0);
    expect(decoded.apiKeys).toEqual(expectedKeys);
    expect(decoded.throttleTimeMs).toBe(0);
    // compact array count (n + 1), entries with empty tag sections, throttle, empty top-level tags
    expect(body[2]).toBe(expectedKeys.length + 1);
    expect(body.length).toBe(2 + 1 + 7 * expectedKeys.length + 4 + 1);
  });

  it('api-versions - v3 with an invalid software name answers INVALID_REQUEST in the v3 layout', async () => {
    for (const bad of [{ clientSoftwareName: 'bad name', clientSoftwareVersion: '1.0' }, { clientSoftwareName: 'ok', clientSoftwareVersion: '-1' }]) {
      const body = await ask(3, bad);
      const decoded = ApiVersionsResponse.decode(new Reader(body), 3);
      expect(decoded.errorCode).toBe(ErrorCode.InvalidRequest);
      expect(decoded.apiKeys).toEqual([]);
    }
    expect(c!.closed).toBe(false);
  });

  it('api-versions - software name rule matches Kafka', () => {
    for (const ok of ['librdkafka', '2.0.2', '1.7.0-rdkafka-2.0.2', 'a', 'confluent-kafka-python', 'A.b-9']) expect(isValidClientSoftware(ok)).toBe(true);
    for (const bad of ['', '-a', 'a-', '.a', 'a b', 'a_b', 'é']) expect(isValidClientSoftware(bad)).toBe(false);
  });

  it('api-versions - kcat (librdkafka) accepts the v3 answer and moves on to Metadata', async () => {
    ts = await startTestServer({ handlers: [echo, apiVersions, closingMetadata] });
    const port = ts.port;
    await new Promise<void>((resolve) => {
      const child = execFile('kcat', ['-b', `127.0.0.1:${port}`, '-L', '-m', '2'], { timeout: 15_000 }, () => resolve());
      child.on('error', () => resolve());
    });
    const seen = ts.seen;
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen[0]).toEqual({ apiKey: 18, apiVersion: 3 });
    expect(seen.some((s) => s.apiKey === 3)).toBe(true);
    // librdkafka never fell back to ApiVersions v0 (it would after an answer it could not use)
    expect(seen.filter((s) => s.apiKey === 18).every((s) => s.apiVersion === 3)).toBe(true);
  });
});
