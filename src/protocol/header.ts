/**
 * Request header v0–v2 and response header v0–v1.
 *
 * Header version rule (Kafka's generated ApiMessageType): a flexible API version uses request
 * header v2 and response header v1; otherwise v1 and v0. Two exceptions: ControlledShutdown v0
 * uses request header v0, and the ApiVersions *response* header is always v0 so a client can
 * read the error before it knows which versions we speak.
 *
 *   v0: api_key int16, api_version int16, correlation_id int32
 *   v1: + client_id nullable string (never compact, even in v2)
 *   v2: + tagged fields
 */
import { decodeTaggedFields, type Fields, type Input, type MessageSpec } from './schema.js';
import { Reader, Writer } from './primitives.js';

export const API_VERSIONS_KEY = 18;
export const CONTROLLED_SHUTDOWN_KEY = 7;

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export function requestHeaderVersion(apiKey: number, apiVersion: number, flexible: boolean): number {
  if (apiKey === CONTROLLED_SHUTDOWN_KEY && apiVersion === 0) return 0;
  return flexible ? 2 : 1;
}

export function responseHeaderVersion(apiKey: number, flexible: boolean): number {
  return flexible && apiKey !== API_VERSIONS_KEY ? 1 : 0;
}

/** Reads only key/version/correlation id: enough to answer even when the rest is unknown. */
export function peekRequestHeader(buf: Buffer): { apiKey: number; apiVersion: number; correlationId: number } | null {
  if (buf.length < 8) return null;
  return { apiKey: buf.readInt16BE(0), apiVersion: buf.readInt16BE(2), correlationId: buf.readInt32BE(4) };
}

export function decodeRequestHeader(r: Reader, isFlexible: (apiKey: number, apiVersion: number) => boolean): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const flexible = isFlexible(apiKey, apiVersion);
  const hv = requestHeaderVersion(apiKey, apiVersion, flexible);
  const clientId = hv >= 1 ? r.nullableString() : null;
  if (hv >= 2) decodeTaggedFields(r);
  return { apiKey, apiVersion, correlationId, clientId };
}

export function encodeRequestHeader(w: Writer, h: RequestHeader, flexible: boolean): void {
  const hv = requestHeaderVersion(h.apiKey, h.apiVersion, flexible);
  w.int16(h.apiKey).int16(h.apiVersion).int32(h.correlationId);
  if (hv >= 1) w.nullableString(h.clientId);
  if (hv >= 2) w.uvarint(0);
}

export function encodeResponseHeader(w: Writer, apiKey: number, correlationId: number, flexible: boolean): void {
  w.int32(correlationId);
  if (responseHeaderVersion(apiKey, flexible) >= 1) w.uvarint(0);
}

export function decodeResponseHeader(r: Reader, apiKey: number, flexible: boolean): { correlationId: number } {
  const correlationId = r.int32();
  if (responseHeaderVersion(apiKey, flexible) >= 1) decodeTaggedFields(r);
  return { correlationId };
}

/** A whole response frame — size prefix, response header, body — as chunks ready to write. */
export function encodeResponseFrame<F extends Fields>(spec: MessageSpec<F>, apiVersion: number, correlationId: number, value: Input<F>): Buffer[] {
  const w = new Writer();
  encodeResponseHeader(w, spec.apiKey, correlationId, spec.isFlexible(apiVersion));
  spec.encode(w, apiVersion, value);
  const chunks = w.chunksOut();
  let n = 0;
  for (const c of chunks) n += c.length;
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(n, 0);
  return [size, ...chunks];
}
