/**
 * Loads the kafka-python fixtures of test/fixtures/records (see make-fixtures.py there).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const DIR = new URL('../../../fixtures/records/', import.meta.url);

export type DescribedBytes = string | { length: number; sha256: string } | null;

export interface FixtureRecord {
  offset: number;
  timestamp: number;
  key: string | null;
  value: DescribedBytes;
  headers: [string, string | null][];
}

export interface Fixture {
  name: string;
  magic?: number;
  codec: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  records?: FixtureRecord[];
  plain?: { length: number; sha256: string };
}

export const manifest: Fixture[] = JSON.parse(readFileSync(new URL('manifest.json', DIR), 'utf8')) as Fixture[];

export function fixture(name: string): Fixture {
  const found = manifest.find((f) => f.name === name);
  if (!found) throw new Error(`no fixture ${name}`);
  return found;
}

export function fixtureBytes(name: string): Buffer {
  return Buffer.from(readFileSync(new URL(`${name}.hex`, DIR), 'utf8').trim(), 'hex');
}

/** The fixture's description of a byte string, for comparison with what we decoded. */
export function describeBytes(b: Buffer | null, like: DescribedBytes): DescribedBytes {
  if (b === null) return null;
  if (like !== null && typeof like === 'object') return { length: b.length, sha256: createHash('sha256').update(b).digest('hex') };
  return b.toString('utf8');
}
