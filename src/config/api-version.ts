/**
 * Kafka's `ApiVersion` (kafka/api/ApiVersion.scala, 2.7): the values accepted by
 * `inter.broker.protocol.version`, `log.message.format.version` and topic `message.format.version`.
 *
 * Behaviour (as `ApiVersion.apply`): the string is cut to its first three dot-separated segments
 * when it starts with "0." and to two otherwise, so "2.7.0" → "2.7" and "0.10.2.1" → "0.10.2"; a
 * short version ("2.7") names its latest internal version ("2.7-IV2").
 */

export interface ApiVersion {
  /** Full version, e.g. "2.7-IV2" (or "0.9.0" before internal versions existed). */
  readonly version: string;
  readonly shortVersion: string;
  /** The record batch format the version implies: 0, 1 or 2. */
  readonly recordVersion: 0 | 1 | 2;
  /** Position in Kafka's list; a larger id is a newer version. */
  readonly id: number;
}

const RAW: [string, string | null, 0 | 1 | 2][] = [
  ['0.8.0', null, 0],
  ['0.8.1', null, 0],
  ['0.8.2', null, 0],
  ['0.9.0', null, 0],
  ['0.10.0', 'IV0', 1], // KIP-31/32 message format v1
  ['0.10.0', 'IV1', 1],
  ['0.10.1', 'IV0', 1],
  ['0.10.1', 'IV1', 1],
  ['0.10.1', 'IV2', 1],
  ['0.10.2', 'IV0', 1],
  ['0.11.0', 'IV0', 2], // KIP-98 message format v2
  ['0.11.0', 'IV1', 2],
  ['0.11.0', 'IV2', 2],
  ['1.0', 'IV0', 2],
  ['1.1', 'IV0', 2],
  ['2.0', 'IV0', 2],
  ['2.0', 'IV1', 2],
  ['2.1', 'IV0', 2],
  ['2.1', 'IV1', 2],
  ['2.1', 'IV2', 2],
  ['2.2', 'IV0', 2],
  ['2.2', 'IV1', 2],
  ['2.3', 'IV0', 2],
  ['2.3', 'IV1', 2],
  ['2.4', 'IV0', 2],
  ['2.4', 'IV1', 2],
  ['2.5', 'IV0', 2],
  ['2.6', 'IV0', 2],
  ['2.7', 'IV0', 2],
  ['2.7', 'IV1', 2],
  ['2.7', 'IV2', 2], // KIP-497 AlterIsr
];

export const ALL_API_VERSIONS: readonly ApiVersion[] = RAW.map(([shortVersion, sub, recordVersion], id) => ({
  version: sub === null ? shortVersion : `${shortVersion}-${sub}`,
  shortVersion,
  recordVersion,
  id,
}));

export const LATEST_API_VERSION = ALL_API_VERSIONS[ALL_API_VERSIONS.length - 1] as ApiVersion;

const BY_NAME = new Map<string, ApiVersion>();
for (const v of ALL_API_VERSIONS) {
  BY_NAME.set(v.version, v);
  BY_NAME.set(v.shortVersion, v); // later internal versions overwrite: short → latest IV
}

/** Resolves a version string as Kafka does; null when it is not a known version. */
export function parseApiVersion(versionString: string): ApiVersion | null {
  const segments = versionString.split('.');
  const keep = versionString.startsWith('0.') ? 3 : 2;
  return BY_NAME.get(segments.slice(0, keep).join('.')) ?? null;
}

/** The oldest version that supports a record format (ApiVersion.minSupportedFor). */
export function minApiVersionFor(recordVersion: 0 | 1 | 2): ApiVersion {
  return ALL_API_VERSIONS.find((v) => v.recordVersion === recordVersion) as ApiVersion;
}

/** Validator message list, like ApiVersionValidator.toString. */
export const API_VERSION_CHOICES = `[${[...new Set(ALL_API_VERSIONS.map((v) => v.version))].join(', ')}]`;
