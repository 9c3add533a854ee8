/**
 * Kafka's Sanitizer: entity names (user principals, client ids) are URL-encoded before they become
 * znode names (`/config/users/<sanitized>`), so `kafka-configs.sh --entity-name 'a b'` writes
 * `/config/users/a%20b`. Encoding is Java's URLEncoder (UTF-8; letters, digits and `.-_*` kept,
 * space → `+`) with `*` → `%2A` and `+` → `%20` afterwards; decoding is Java's URLDecoder.
 */

export function sanitize(name: string): string {
  let out = '';
  for (const byte of Buffer.from(name, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._-]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function desanitize(name: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c === '+') bytes.push(0x20);
    else if (c === '%' && /^[0-9a-fA-F]{2}$/.test(name.slice(i + 1, i + 3))) {
      bytes.push(parseInt(name.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '%') {
      throw new Error(`URLDecoder: Incomplete trailing escape (%) pattern in ${name}`);
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}
