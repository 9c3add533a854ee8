/**
 * A `java.util.Properties.load` parser, ported rule for rule (Java 11 `Properties.LineReader` and
 * `loadConvert`), because the npm parsers get several of these wrong (ecosystem.md §0 #8).
 *
 * Behaviour:
 * 1. Natural lines end at `\n`, `\r` or `\r\n`. Leading whitespace (space, `\t`, `\f`) is skipped;
 *    blank lines are ignored.
 * 2. A line whose first non-whitespace character is `#` or `!` is a comment. A comment line is never
 *    continued, whatever it ends with.
 * 3. A natural line ending in an odd number of backslashes continues on the next line; the final
 *    backslash is dropped and so is the leading whitespace of the next line. A continued line that
 *    is empty ends the logical line. A backslash left dangling at end of input is dropped.
 * 4. The key ends at the first unescaped `=`, `:` or whitespace. Whitespace after the key is
 *    skipped, then at most one `=` or `:` (if the key did not already end on one), then more
 *    whitespace. The value is the rest of the line, trailing whitespace kept. A line with only a key
 *    has the empty string as its value.
 * 5. Escapes in keys and values: `\t \n \r \f`, `\uXXXX` (exactly four hex digits, else an error as
 *    in Java), and `\x` → `x` for any other character (so `\=`, `\:`, `\ `, `\#`, `\\`).
 * 6. A later duplicate key replaces the earlier value (the entry keeps its first position).
 *
 * Deviation from Kafka: Java's `load(InputStream)` decodes ISO-8859-1; gregor reads files as UTF-8
 * (what people write today) and strips a leading byte-order mark. `\uXXXX` works either way.
 */
import { readFileSync } from 'node:fs';

export class PropertiesSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PropertiesSyntaxError';
  }
}

const isWhitespace = (c: string): boolean => c === ' ' || c === '\t' || c === '\f';

/** Splits the text into logical lines (continuations joined, comments and blank lines dropped). */
function logicalLines(text: string): string[] {
  const lines: string[] = [];
  let buf = '';
  let skipWhiteSpace = true; // at the start of a logical line or of a continuation
  let isCommentLine = false;
  let isNewLine = true; // at the start of a logical line
  let appendedLineBegin = false; // at the start of a continuation line
  let precedingBackslash = false;
  let skipLF = false;

  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (skipLF) {
      skipLF = false;
      if (c === '\n') continue;
    }
    if (skipWhiteSpace) {
      if (isWhitespace(c)) continue;
      if (!appendedLineBegin && (c === '\r' || c === '\n')) continue;
      skipWhiteSpace = false;
      appendedLineBegin = false;
    }
    if (isNewLine) {
      isNewLine = false;
      if (c === '#' || c === '!') {
        isCommentLine = true;
        continue;
      }
    }
    if (c !== '\n' && c !== '\r') {
      if (isCommentLine) continue;
      buf += c;
      precedingBackslash = c === '\\' ? !precedingBackslash : false;
      continue;
    }
    // End of a natural line.
    if (isCommentLine || buf.length === 0) {
      isCommentLine = false;
      isNewLine = true;
      skipWhiteSpace = true;
      buf = '';
      precedingBackslash = false;
      if (c === '\r') skipLF = true;
      continue;
    }
    if (precedingBackslash) {
      buf = buf.slice(0, -1); // the continuation backslash
      skipWhiteSpace = true;
      appendedLineBegin = true;
      precedingBackslash = false;
      if (c === '\r') skipLF = true;
    } else {
      lines.push(buf);
      buf = '';
      isNewLine = true;
      skipWhiteSpace = true;
      if (c === '\r') skipLF = true;
    }
  }
  if (!isCommentLine && buf.length > 0) {
    lines.push(precedingBackslash ? buf.slice(0, -1) : buf);
  }
  return lines;
}

/** Java's `loadConvert`: resolves backslash escapes. */
function unescape(s: string): string {
  if (!s.includes('\\')) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== '\\' || i + 1 >= s.length) {
      // A lone trailing backslash cannot survive logicalLines(), but keep Java's behaviour anyway.
      if (c !== '\\') out += c;
      continue;
    }
    const e = s[++i] as string;
    switch (e) {
      case 't':
        out += '\t';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        const hex = s.slice(i + 1, i + 5);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError('Malformed \\uxxxx encoding.');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 4;
        break;
      }
      default:
        out += e;
    }
  }
  return out;
}

/** Splits one logical line into its raw (still escaped) key and value. */
function splitKeyValue(line: string): [string, string] {
  let keyLen = 0;
  let valueStart = line.length;
  let hasSep = false;
  let precedingBackslash = false;
  while (keyLen < line.length) {
    const c = line[keyLen] as string;
    if ((c === '=' || c === ':') && !precedingBackslash) {
      valueStart = keyLen + 1;
      hasSep = true;
      break;
    }
    if (isWhitespace(c) && !precedingBackslash) {
      valueStart = keyLen + 1;
      break;
    }
    precedingBackslash = c === '\\' ? !precedingBackslash : false;
    keyLen++;
  }
  while (valueStart < line.length) {
    const c = line[valueStart] as string;
    if (!isWhitespace(c)) {
      if (!hasSep && (c === '=' || c === ':')) hasSep = true;
      else break;
    }
    valueStart++;
  }
  return [line.slice(0, keyLen), line.slice(valueStart)];
}

/** Parses properties text with `java.util.Properties.load` semantics. Keys keep first-seen order. */
export function parseProperties(text: string): Map<string, string> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const props = new Map<string, string>();
  for (const line of logicalLines(body)) {
    const [rawKey, rawValue] = splitKeyValue(line);
    props.set(unescape(rawKey), unescape(rawValue));
  }
  return props;
}

/** Reads and parses a properties file (UTF-8). */
export function readPropertiesFile(path: string): Map<string, string> {
  return parseProperties(readFileSync(path, 'utf8'));
}

/**
 * One `--override key=value` argument, as Kafka's `CommandLineUtils.parseKeyValueArgs`: split at
 * the first `=`; `key` alone or `key=` gives the empty value. An empty key is an error.
 */
export function parseOverride(arg: string): [string, string] {
  const eq = arg.indexOf('=');
  const key = (eq < 0 ? arg : arg.slice(0, eq)).trim();
  const value = eq < 0 ? '' : arg.slice(eq + 1);
  if (key.length === 0) throw new PropertiesSyntaxError(`Invalid --override '${arg}': expected key=value`);
  return [key, value];
}

/** Returns a copy of `props` with each `--override key=value` applied in order (later wins). */
export function applyOverrides(props: ReadonlyMap<string, string>, overrides: readonly string[]): Map<string, string> {
  const out = new Map(props);
  for (const arg of overrides) {
    const [key, value] = parseOverride(arg);
    out.set(key, value);
  }
  return out;
}
