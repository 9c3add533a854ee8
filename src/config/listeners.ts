/**
 * Listener and ZooKeeper connection strings, parsed as Kafka 2.7 does
 * (`EndPoint.createEndPoint`, `CoreUtils.listenerListToEndPoints`, `CoreUtils.parseCsvMap`,
 * `KafkaServer.initZkClient`).
 *
 * Behaviour:
 * - A listener is `NAME://host:port`; the name is upper-cased; an empty host means every interface
 *   (host null); IPv6 hosts go in brackets (`PLAINTEXT://[::1]:9092`). Port 0 picks a free port.
 * - Names must be distinct; for `listeners` (not `advertised.listeners`) non-zero ports must be too.
 * - Each listener name needs a security protocol in `listener.security.protocol.map`.
 * - `zookeeper.connect` is `host[:port][,host[:port]...][/chroot]`; the chroot follows the last
 *   host only, once. Port defaults to 2181. A chroot of "/" means none.
 * Deviation: ports outside 0–65535 are rejected here rather than at bind time.
 */

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

export interface EndPoint {
  /** Upper-cased listener name, e.g. "PLAINTEXT", "INTERNAL". */
  listenerName: string;
  /** null = all interfaces (the `PLAINTEXT://:9092` form). */
  host: string | null;
  port: number;
  securityProtocol: SecurityProtocol;
}

/** `NAME://host:port` as Kafka prints an endpoint (IPv6 hosts bracketed). */
export function endPointToString(ep: EndPoint): string {
  const host = ep.host === null ? '' : ep.host.includes(':') ? `[${ep.host}]` : ep.host;
  return `${ep.listenerName}://${host}:${ep.port}`;
}

/** Kafka's `CoreUtils.parseCsvList`: split on commas, trim, drop empty entries. */
export function parseCsvList(s: string): string[] {
  return s
    .split(/\s*,\s*/)
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
}

export function toSecurityProtocol(name: string): SecurityProtocol | null {
  const upper = name.trim().toUpperCase();
  return (SECURITY_PROTOCOLS as readonly string[]).includes(upper) ? (upper as SecurityProtocol) : null;
}

/** Parses `listener.security.protocol.map` (`NAME:PROTOCOL,...`); throws a message naming the key. */
export function parseSecurityProtocolMap(value: string, key = 'listener.security.protocol.map'): Map<string, SecurityProtocol> {
  const map = new Map<string, SecurityProtocol>();
  if (value.trim() === '') return map;
  for (const entry of value.trim().split(/\s*,\s*/)) {
    const colon = entry.lastIndexOf(':');
    if (colon < 0) {
      throw new Error(`Error parsing configuration property '${key}': entry '${entry}' is not of the form NAME:PROTOCOL`);
    }
    const name = entry.slice(0, colon).trim().toUpperCase();
    const protocolName = entry.slice(colon + 1).trim();
    const protocol = toSecurityProtocol(protocolName);
    if (protocol === null) throw new Error(`Invalid security protocol \`${protocolName}\` defined in ${key}`);
    map.set(name, protocol);
  }
  return map;
}

const URI = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/** Parses one `NAME://host:port`. Throws a plain message (the caller adds the key). */
export function parseEndPoint(connectionString: string, protocolMap: ReadonlyMap<string, SecurityProtocol>): EndPoint {
  const m = URI.exec(connectionString);
  if (!m) throw new Error(`Unable to parse ${connectionString} to a broker endpoint`);
  const listenerName = (m[1] as string).toUpperCase();
  const host = m[2] === '' ? null : (m[2] as string);
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`Invalid port ${m[3]} in ${connectionString}`);
  const securityProtocol = protocolMap.get(listenerName);
  if (securityProtocol === undefined) throw new Error(`No security protocol defined for listener ${listenerName}`);
  return { listenerName, host, port, securityProtocol };
}

/** Parses a listener list (`listeners` or `advertised.listeners`); throws a message naming `key`. */
export function parseListeners(
  value: string,
  protocolMap: ReadonlyMap<string, SecurityProtocol>,
  key: string,
  requireDistinctPorts: boolean,
): EndPoint[] {
  let endPoints: EndPoint[];
  try {
    endPoints = parseCsvList(value).map((s) => parseEndPoint(s, protocolMap));
  } catch (err) {
    throw new Error(`Error creating broker listeners from '${value}' (${key}): ${(err as Error).message}`);
  }
  const names = new Set(endPoints.map((e) => e.listenerName));
  if (names.size !== endPoints.length) throw new Error(`Each listener must have a different name, ${key}: ${value}`);
  if (requireDistinctPorts) {
    const ports = endPoints.map((e) => e.port).filter((p) => p !== 0);
    if (new Set(ports).size !== ports.length) throw new Error(`Each listener must have a different port, ${key}: ${value}`);
  }
  return endPoints;
}

export interface ZookeeperConnect {
  /** The string as configured. */
  connect: string;
  /** The host list without the chroot, e.g. "zk1:2181,zk2:2181". */
  hosts: string;
  servers: { host: string; port: number }[];
  /** e.g. "/kafka"; null when there is none. */
  chroot: string | null;
}

/** Parses `zookeeper.connect`; throws a message naming the key. */
export function parseZookeeperConnect(value: string): ZookeeperConnect {
  const connect = value.trim();
  const bad = (why: string): Error => new Error(`Invalid value ${connect} for configuration zookeeper.connect: ${why}`);
  const slash = connect.indexOf('/');
  const hosts = slash < 0 ? connect : connect.slice(0, slash);
  let chroot: string | null = slash < 0 ? null : connect.slice(slash);
  if (chroot !== null) {
    if (chroot === '/') chroot = null;
    else if (chroot.endsWith('/') || chroot.includes('//') || chroot.split('/').some((seg) => seg === '.' || seg === '..')) {
      throw bad(`invalid chroot path ${chroot}`);
    }
  }
  const servers = parseCsvList(hosts).map((entry) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(entry);
    if (!m) throw bad(`cannot parse server '${entry}' (expected host:port)`);
    const port = m[2] === undefined ? 2181 : Number(m[2]);
    if (port < 1 || port > 65535) throw bad(`invalid port in '${entry}'`);
    return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
  });
  if (servers.length === 0) throw bad('no ZooKeeper server given');
  return { connect, hosts, servers, chroot };
}
