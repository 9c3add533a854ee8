/**
 * The small part of Kafka's `ConfigDef` that gregor needs: typed keys with string defaults,
 * parsing of string values to typed values (same trimming and number rules as Java), validators,
 * and the DescribeConfigs enums (`ConfigSource`, `ConfigType`).
 *
 * Behaviour:
 * - Values are parsed as `ConfigDef.parseType` does: everything but passwords is trimmed; INT,
 *   SHORT and LONG accept an optional sign and decimal digits only, within the Java range; DOUBLE
 *   accepts Java's decimal forms (`1`, `0.5`, `1e3`, `2.5d`); BOOLEAN is case-insensitive
 *   `true`/`false`; LIST splits on commas with surrounding whitespace, the empty string being [].
 * - Errors read like Kafka's `ConfigException`: `Invalid value X for configuration K: reason`.
 * Deviation: LONG values beyond ±(2^53-1) (Kafka uses Long.MAX_VALUE for "never" or "unbounded")
 * parse to ±Infinity, since every such setting means "no limit". Their canonical string (what
 * DescribeConfigs shows) stays exact.
 */

export type ConfigType = 'boolean' | 'string' | 'int' | 'short' | 'long' | 'double' | 'list' | 'class' | 'password';

export type ValueOfType<T extends ConfigType> = T extends 'boolean'
  ? boolean
  : T extends 'list'
    ? string[]
    : T extends 'int' | 'short' | 'long' | 'double'
      ? number
      : string;

export type Validator =
  | { kind: 'range'; min?: number; max?: number }
  | { kind: 'oneOf'; values: readonly string[]; ignoreCase?: boolean }
  | { kind: 'listOf'; values: readonly string[] }
  | { kind: 'custom'; describe: string; check: (value: unknown) => string | null };

export interface ConfigKey<T extends ConfigType = ConfigType, D extends string | null = string | null> {
  readonly type: T;
  /** Kafka's default as the string `ConfigDef.convertToString` prints; null = unset. */
  readonly default: D;
  readonly doc: string;
  readonly validator?: Validator;
  /** Required: no default at all (Kafka's NO_DEFAULT_VALUE), e.g. zookeeper.connect. */
  readonly required?: boolean;
  /** Updatable through /config/brokers (Kafka's DynamicBrokerConfig.AllDynamicConfigs). */
  readonly dynamic?: boolean;
  /** Accepted for compatibility; gregor has no use for it. */
  readonly noEffect?: boolean;
}

/** Defines a key; generic so the table keeps literal types for the typed value map. */
export function key<T extends ConfigType, D extends string | null>(
  type: T,
  dflt: D,
  doc: string,
  opts: Omit<ConfigKey, 'type' | 'default' | 'doc'> = {},
): ConfigKey<T, D> {
  return { type, default: dflt, doc, ...opts };
}

export const atLeast = (min: number): Validator => ({ kind: 'range', min });
export const between = (min: number, max: number): Validator => ({ kind: 'range', min, max });
export const oneOf = (...values: string[]): Validator => ({ kind: 'oneOf', values });
export const listOf = (...values: string[]): Validator => ({ kind: 'listOf', values });

/** DescribeConfigs `configSource` ids (DescribeConfigsResponse.ConfigSource). */
export const ConfigSource = {
  Unknown: 0,
  TopicConfig: 1,
  DynamicBrokerConfig: 2,
  DynamicDefaultBrokerConfig: 3,
  StaticBrokerConfig: 4,
  DefaultConfig: 5,
  DynamicBrokerLoggerConfig: 6,
} as const;
export type ConfigSource = (typeof ConfigSource)[keyof typeof ConfigSource];

/** DescribeConfigs v3 `configType` ids (DescribeConfigsResponse.ConfigType). */
export const ConfigTypeId: Record<ConfigType, number> = {
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
};

/** One DescribeConfigs entry, shaped like the DescribeConfigs response struct. */
export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  /** v0's flag: configSource is DEFAULT_CONFIG. */
  isDefault: boolean;
  configSource: ConfigSource;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: ConfigSource }[];
  configType: number;
  documentation: string | null;
}

/** A configuration problem; `errors` lists every problem found, each naming its key. */
export class ConfigError extends Error {
  constructor(readonly errors: readonly string[]) {
    super(errors.length === 1 ? (errors[0] as string) : `Invalid configuration:\n- ${errors.join('\n- ')}`);
    this.name = 'ConfigError';
  }
}

const JAVA_RANGES: Partial<Record<ConfigType, [bigint, bigint]>> = {
  short: [-32768n, 32767n],
  int: [-2147483648n, 2147483647n],
  long: [-9223372036854775808n, 9223372036854775807n],
};

export const invalid = (name: string, value: string, reason: string): string =>
  `Invalid value ${value} for configuration ${name}: ${reason}`;

/** Java's `Double.toString` for the values configs use (e.g. 0.5 → "0.5", 1 → "1.0", Double.MAX). */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (!Number.isFinite(d)) return d > 0 ? 'Infinity' : '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mantissa, exp] = d.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${m}E${exp.replace('+', '')}`;
}

export interface ParsedValue {
  value: unknown;
  /** The canonical string (`ConfigDef.convertToString` of the parsed value); null for unset. */
  text: string | null;
}

/** Parses one raw string for `name` of the given type; returns the value or an error message. */
export function parseValue(name: string, type: ConfigType, raw: string): ParsedValue | { error: string } {
  const trimmed = type === 'password' ? raw : raw.trim();
  switch (type) {
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (lower === 'true' || lower === 'false') return { value: lower === 'true', text: lower };
      return { error: invalid(name, trimmed, 'Expected value to be either true or false') };
    }
    case 'short':
    case 'int':
    case 'long': {
      const typeName = type.toUpperCase();
      if (!/^[+-]?\d+$/.test(trimmed)) return { error: invalid(name, trimmed, `Not a number of type ${typeName}`) };
      const big = BigInt(trimmed);
      const [lo, hi] = JAVA_RANGES[type] as [bigint, bigint];
      if (big < lo || big > hi) return { error: invalid(name, trimmed, `Not a number of type ${typeName}`) };
      const max = BigInt(Number.MAX_SAFE_INTEGER);
      const value = big > max ? Infinity : big < -max ? -Infinity : Number(big);
      return { value, text: big.toString() };
    }
    case 'double': {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfF]?$/.test(trimmed)) {
        return { error: invalid(name, trimmed, 'Not a number of type DOUBLE') };
      }
      const value = Number(trimmed.replace(/[dDfF]$/, ''));
      return { value, text: javaDoubleToString(value) };
    }
    case 'list': {
      const value = trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
      return { value, text: value.join(',') };
    }
    case 'string':
    case 'class':
    case 'password':
      return { value: trimmed, text: trimmed };
  }
}

/** Applies a validator; returns an error message naming the key, or null. */
export function validate(name: string, validator: Validator | undefined, value: unknown, text: string): string | null {
  if (!validator) return null;
  switch (validator.kind) {
    case 'range': {
      const n = value as number;
      if (validator.min !== undefined && n < validator.min) return invalid(name, text, `Value must be at least ${validator.min}`);
      if (validator.max !== undefined && n > validator.max) return invalid(name, text, `Value must be no more than ${validator.max}`);
      return null;
    }
    case 'oneOf': {
      const s = validator.ignoreCase ? (value as string).toLowerCase() : (value as string);
      if (validator.values.includes(s)) return null;
      return invalid(name, text, `String must be one of: ${validator.values.join(', ')}`);
    }
    case 'listOf': {
      for (const item of value as string[]) {
        if (!validator.values.includes(item)) {
          return invalid(name, item, `String must be one of: ${validator.values.join(', ')}`);
        }
      }
      return null;
    }
    case 'custom': {
      const reason = validator.check(value);
      return reason === null ? null : invalid(name, text, reason);
    }
  }
}

/** Parses and validates a raw value against its key definition. */
export function parseAndValidate(name: string, def: ConfigKey, raw: string): ParsedValue | { error: string } {
  const parsed = parseValue(name, def.type, raw);
  if ('error' in parsed) return parsed;
  const problem = validate(name, def.validator, parsed.value, parsed.text ?? '');
  return problem === null ? parsed : { error: problem };
}
