/**
 * The principal of a TLS client certificate, as Kafka 2.7's DefaultKafkaPrincipalBuilder makes it:
 * `User:` + ssl.principal.mapping.rules applied to `X500Principal.getName()` of the certificate's
 * subject — the RFC 2253 form Java prints:
 * - RDNs in reverse order of the certificate (most specific first): `CN=alice,OU=eng,O=Example,C=US`;
 * - keywords only for CN, C, L, ST, O, OU, STREET, DC and UID; every other attribute as
 *   `<dotted OID>=#<hex of its DER value>` (e.g. emailAddress → `1.2.840.113549.1.9.1=#16...`);
 * - `, = + < > # ; " \` escaped with a backslash, as are leading and trailing spaces; members of a
 *   multi-valued RDN joined with `+`.
 * The subject is read from the certificate's DER (Node's own subject string loses the string types
 * that the `#hex` form needs).
 *
 * Mapping rules (SslPrincipalMapper): comma-separated `DEFAULT` or `RULE:<regex>/<replacement>/[LU]`;
 * the first rule whose regex matches the whole name gives the principal name (optionally lower-
 * or upper-cased); none matching is an authentication failure.
 */

import { children, oidToString, readTlv, type Tlv } from './der.js';

/** The subject Name of a DER certificate: RDNs (each a list of [oid, value TLV]) in certificate order. */
export function certificateSubject(der: Buffer): Array<Array<{ oid: string; value: Tlv }>> {
  const cert = readTlv(der, 0);
  const tbs = children(cert)[0];
  if (!tbs) throw new Error('not a certificate');
  const fields = children(tbs);
  const base = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] version is optional
  const subject = fields[base + 4];
  if (!subject || subject.tag !== 0x30) throw new Error('certificate has no subject');
  return children(subject).map((rdn) =>
    children(rdn).map((atv) => {
      const [type, value] = children(atv);
      if (!type || !value) throw new Error('bad AttributeTypeAndValue');
      return { oid: oidToString(type.value), value };
    }),
  );
}

// ---------------------------------------------------------------------------------------------- RFC 2253 (Java)

/** Java's RFC 2253 keywords (AVAKeyword entries marked rfc2253Compliant). */
const KEYWORDS: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.9': 'STREET',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

function decodeString(v: Tlv): string | null {
  switch (v.tag) {
    case 0x0c: // UTF8String
      return v.value.toString('utf8');
    case 0x13: // PrintableString
    case 0x16: // IA5String
    case 0x14: // TeletexString
      return v.value.toString('latin1');
    case 0x1e: // BMPString
      return Buffer.from(v.value).swap16().toString('utf16le');
    default:
      return null;
  }
}

function escapeValue(s: string): string {
  let out = '';
  for (const c of s) out += ',=+<>#;"\\'.includes(c) ? `\\${c}` : c === '\u0000' ? '\\00' : c;
  const lead = /^ +/.exec(out)?.[0].length ?? 0;
  if (lead > 0) out = '\\ '.repeat(lead) + out.slice(lead);
  const trail = / +$/.exec(out)?.[0].length ?? 0;
  if (trail > 0 && trail < out.length) out = out.slice(0, out.length - trail) + '\\ '.repeat(trail);
  return out;
}

/** `X500Principal.getName()` of a DER certificate's subject. */
export function x500Name(der: Buffer): string {
  return certificateSubject(der)
    .reverse()
    .map((rdn) =>
      rdn
        .map(({ oid, value }) => {
          const keyword = KEYWORDS[oid];
          const text = keyword ? decodeString(value) : null;
          return keyword && text !== null ? `${keyword}=${escapeValue(text)}` : `${keyword ?? oid}=#${value.whole.toString('hex')}`;
        })
        .join('+'),
    )
    .join(',');
}

// ---------------------------------------------------------------------------------------------- mapping rules

export interface PrincipalMappingRule {
  readonly isDefault: boolean;
  readonly pattern?: RegExp;
  readonly replacement?: string;
  readonly lower?: boolean;
  readonly upper?: boolean;
}

const RULE_PATTERN = '(DEFAULT)|RULE:((?:\\\\.|[^\\\\/])*)/((?:\\\\.|[^\\\\/])*)/([LU]?).*?|(.*?)';

/** Parses ssl.principal.mapping.rules; throws on an invalid rule (a configuration error). */
export function parsePrincipalMappingRules(rules: string): PrincipalMappingRule[] {
  const splitter = new RegExp(`\\s*(${RULE_PATTERN})\\s*(,\\s*|$)`, 'gy');
  const parts: string[] = [];
  const text = rules.trim();
  for (const m of text.matchAll(splitter)) {
    if (m[0] === '' && m.index! >= text.length) break;
    parts.push(m[1]!);
  }
  return parts.filter((rule) => rule !== '').map((rule) => {
    const m = new RegExp(`^(?:${RULE_PATTERN})`).exec(rule);
    if (!m || m[0].length !== rule.length) throw new Error(`Invalid rule: ${rule}`);
    if (m[1] !== undefined) return { isDefault: true };
    if (m[2] !== undefined) {
      return { isDefault: false, pattern: new RegExp(m[2]), replacement: m[3]!, lower: m[4] === 'L', upper: m[4] === 'U' };
    }
    throw new Error(`Invalid rule: ${rule}`);
  });
}

/** SslPrincipalMapper.getName: the first rule matching the whole name wins; null when none applies. */
export function mapPrincipalName(rules: readonly PrincipalMappingRule[], dn: string): string | null {
  for (const r of rules) {
    if (r.isDefault) return dn;
    const full = new RegExp(`^(?:${r.pattern!.source})$`);
    if (!full.test(dn)) continue;
    let out = dn.replace(new RegExp(r.pattern!.source, 'g'), r.replacement!);
    if (r.lower) out = out.toLowerCase();
    else if (r.upper) out = out.toUpperCase();
    return out;
  }
  return null;
}
