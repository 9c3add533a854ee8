/**
 * A minimal DER reader: enough of ASN.1 to read a certificate's subject (ssl-principal.ts) and the
 * certificates of a PKCS#12 trust store (pkcs12.ts). Lengths up to 4 bytes; a malformed or
 * truncated encoding throws.
 */

export interface Tlv {
  readonly tag: number;
  /** the value bytes */
  readonly value: Buffer;
  /** tag + length + value */
  readonly whole: Buffer;
}

export function readTlv(buf: Buffer, off = 0): Tlv & { next: number } {
  if (off + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[off]!;
  let len = buf[off + 1]!;
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p + i]!;
    p += n;
  }
  if (p + len > buf.length) throw new Error('truncated DER value');
  return { tag, value: buf.subarray(p, p + len), whole: buf.subarray(off, p + len), next: p + len };
}

/** The elements of a constructed value (SEQUENCE, SET, explicit tag). */
export function children(tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let off = 0; off < tlv.value.length; ) {
    const c = readTlv(tlv.value, off);
    out.push(c);
    off = c.next;
  }
  return out;
}

/** The i-th element of a constructed value; throws when absent. */
export function child(tlv: Tlv, i: number, what = 'element'): Tlv {
  const c = children(tlv)[i];
  if (!c) throw new Error(`DER: missing ${what}`);
  return c;
}

export function oidToString(b: Buffer): string {
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      if (parts.length === 0) parts.push(v < 40 ? 0 : v < 80 ? 1 : 2, v < 80 ? v % 40 : v - 80);
      else parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

export function derInteger(tlv: Tlv): number {
  let v = 0;
  for (const b of tlv.value) v = v * 256 + b;
  return v;
}
