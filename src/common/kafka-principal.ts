/**
 * Kafka's KafkaPrincipal: `<type>:<name>`, e.g. `User:alice`, `User:CN=client,O=Example`. Every
 * connection has one: ANONYMOUS on PLAINTEXT (and on SSL without a client certificate), the X.500
 * name of the client certificate on SSL with client authentication, the SASL authorization id on
 * SASL listeners. ACLs and `super.users` name principals in this string form.
 */

export interface KafkaPrincipal {
  readonly type: string;
  readonly name: string;
}

export const USER_TYPE = 'User';

export const ANONYMOUS: KafkaPrincipal = Object.freeze({ type: USER_TYPE, name: 'ANONYMOUS' });

export function userPrincipal(name: string): KafkaPrincipal {
  return { type: USER_TYPE, name };
}

export function principalToString(p: KafkaPrincipal): string {
  return `${p.type}:${p.name}`;
}

/** Kafka's SecurityUtils.parseKafkaPrincipal: split at the first ':'; both parts present. */
export function parseKafkaPrincipal(s: string): KafkaPrincipal {
  const colon = s.indexOf(':');
  if (s === '' || colon < 0) throw new Error(`expected a string in format principalType:principalName but got ${s}`);
  return { type: s.slice(0, colon), name: s.slice(colon + 1) };
}

export function samePrincipal(a: KafkaPrincipal, b: KafkaPrincipal): boolean {
  return a.type === b.type && a.name === b.name;
}
