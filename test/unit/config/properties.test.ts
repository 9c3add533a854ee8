import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  PropertiesSyntaxError,
  applyOverrides,
  parseOverride,
  parseProperties,
  readPropertiesFile,
} from '../../../src/config/properties.js';

const p = (text: string): Record<string, string> => Object.fromEntries(parseProperties(text));

describe('parseProperties (java.util.Properties.load semantics)', () => {
  it('skips # and ! comments, also when indented', () => {
    expect(p('# a comment\n! another\n   # indented\n\t! tabbed\nk=v\n')).toEqual({ k: 'v' });
  });

  it('does not continue a comment line that ends with a backslash', () => {
    expect(p('# comment \\\nk=v\n')).toEqual({ k: 'v' });
  });

  it('treats # after the start of a line as data', () => {
    expect(p('k=v # not a comment\nurl=a#b\n')).toEqual({ k: 'v # not a comment', url: 'a#b' });
  });

  it('accepts =, : and whitespace as the separator, the first unescaped one winning', () => {
    expect(p('a=1\nb:2\nc 3\nd\t4\ne\f5\nf=x=y\ng:h=i\nj k=l\n')).toEqual({
      a: '1',
      b: '2',
      c: '3',
      d: '4',
      e: '5',
      f: 'x=y',
      g: 'h=i',
      j: 'k=l',
    });
  });

  it('skips whitespace around the separator but keeps trailing whitespace of the value', () => {
    expect(p('a   =   1\nb :\t2  \n   c=3\n')).toEqual({ a: '1', b: '2  ', c: '3' });
  });

  it('takes only one separator after whitespace: "k = = v" has value "= v"', () => {
    expect(p('k = = v\nx  :=y\n')).toEqual({ k: '= v', x: '=y' });
  });

  it('gives the empty string to a key with no value', () => {
    expect(p('empty=\nalone\nspaced   \ncolon:\n')).toEqual({ empty: '', alone: '', spaced: '', colon: '' });
  });

  it('joins continuation lines, dropping the backslash and the leading whitespace of the next line', () => {
    expect(p('list=a,\\\n    b,\\\n\t\tc\nnext=1\n')).toEqual({ list: 'a,b,c', next: '1' });
  });

  it('continues only on an odd number of trailing backslashes', () => {
    expect(p('even=a\\\\\nodd=b\\\\\\\n  c\n')).toEqual({ even: 'a\\', odd: 'b\\c' });
  });

  it('ends the logical line at an empty continuation line', () => {
    expect(p('a=b\\\n\nc=d\n')).toEqual({ a: 'b', c: 'd' });
  });

  it('does not treat # at the start of a continuation line as a comment', () => {
    expect(p('a=1\\\n  #2\n')).toEqual({ a: '1#2' });
  });

  it('drops a dangling backslash at end of input', () => {
    expect(p('a=b\\')).toEqual({ a: 'b' });
  });

  it('continues a key across lines too', () => {
    expect(p('lo\\\n  ng=1\n')).toEqual({ long: '1' });
  });

  it('decodes \\t \\n \\r \\f \\\\ and \\uXXXX, and drops the backslash before other characters', () => {
    const got = parseProperties('e=\\t|\\n|\\r|\\f|\\\\|\\u0041\\u00e9|\\q|\\#\n');
    expect(got.get('e')).toBe('\t|\n|\r|\f|\\|A\u00e9|q|#');
  });

  it('rejects a malformed \\u escape as Java does', () => {
    expect(() => parseProperties('a=\\u12G4\n')).toThrow(PropertiesSyntaxError);
    expect(() => parseProperties('a=\\u12')).toThrow(/Malformed \\uxxxx encoding/);
  });

  it('honours escaped separators and spaces in keys', () => {
    expect(p('a\\=b=c\nx\\:y:z\nsp\\ ace=1\n\\#hash=2\n')).toEqual({ 'a=b': 'c', 'x:y': 'z', 'sp ace': '1', '#hash': '2' });
  });

  it('lets the last duplicate win and keeps first-seen order', () => {
    const got = parseProperties('a=1\nb=2\na=3\n');
    expect([...got.entries()]).toEqual([
      ['a', '3'],
      ['b', '2'],
    ]);
  });

  it('handles LF, CRLF and CR line endings, including CRLF continuations', () => {
    const expected = { a: '1', b: '2', c: '34' };
    expect(p('a=1\nb=2\nc=3\\\n 4\n')).toEqual(expected);
    expect(p('a=1\r\nb=2\r\nc=3\\\r\n 4\r\n')).toEqual(expected);
    expect(p('a=1\rb=2\rc=3\\\r 4\r')).toEqual(expected);
  });

  it('ignores blank and whitespace-only lines and a missing final newline', () => {
    expect(p('\n\n   \n\t\na=1\n\r\n  b=2')).toEqual({ a: '1', b: '2' });
  });

  it('keeps UTF-8 text and strips a byte-order mark', () => {
    expect(p('\ufeffname=Grégor ✓\n')).toEqual({ name: 'Grégor ✓' });
  });

  it('reads a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gregor-props-'));
    const file = join(dir, 'x.properties');
    writeFileSync(file, 'broker.id=7\nlog.dirs=/a,\\\n  /b\n');
    expect(Object.fromEntries(readPropertiesFile(file))).toEqual({ 'broker.id': '7', 'log.dirs': '/a,/b' });
  });
});

describe('--override key=value', () => {
  it('splits at the first =', () => {
    expect(parseOverride('listeners=PLAINTEXT://a:1')).toEqual(['listeners', 'PLAINTEXT://a:1']);
    expect(parseOverride('k=a=b')).toEqual(['k', 'a=b']);
  });

  it('gives the empty value to "key" and "key="', () => {
    expect(parseOverride('broker.rack')).toEqual(['broker.rack', '']);
    expect(parseOverride('broker.rack=')).toEqual(['broker.rack', '']);
  });

  it('rejects an empty key', () => {
    expect(() => parseOverride('=5')).toThrow(/Invalid --override/);
  });

  it('applies overrides in order without touching the input', () => {
    const base = new Map([
      ['broker.id', '0'],
      ['num.partitions', '1'],
    ]);
    const out = applyOverrides(base, ['broker.id=1', 'new.key=x', 'broker.id=2']);
    expect(Object.fromEntries(out)).toEqual({ 'broker.id': '2', 'num.partitions': '1', 'new.key': 'x' });
    expect(base.get('broker.id')).toBe('0');
  });
});
