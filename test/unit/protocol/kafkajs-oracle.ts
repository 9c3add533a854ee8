/**
 * kafkajs 2.2.4 (pinned) as a protocol oracle: its own request encoders produce bodies we must
 * decode, and its own response decoders must read the bodies we encode. These are internal
 * modules of the package, which is why the version is pinned exactly.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface KafkajsRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<{ buffer: Buffer }> | { buffer: Buffer };
}

/** The request body (no size prefix, no header) kafkajs writes for `api` v`version`. */
export async function kafkajsRequestBody(api: string, version: number, args: unknown): Promise<Buffer> {
  const build = require(`kafkajs/src/protocol/requests/${api}/v${version}/request.js`) as (a: unknown) => KafkajsRequest;
  const req = build(args);
  const enc = await req.encode();
  return enc.buffer;
}

/** kafkajs's decode of a response body (after the response header), before its error parse step. */
export async function kafkajsDecodeResponse(api: string, version: number, body: Buffer): Promise<Record<string, unknown>> {
  const mod = require(`kafkajs/src/protocol/requests/${api}/v${version}/response.js`) as {
    decode(b: Buffer): Promise<Record<string, unknown>>;
  };
  return mod.decode(body);
}
