/**
 * JAAS configuration, as Kafka reads it for SASL (JaasContext, JaasConfig):
 * - a `sasl.jaas.config` value is ONE login module entry:
 *   `org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="s" user_alice="a";`
 * - a JAAS file (named by `-Djava.security.auth.login.config=` in KAFKA_OPTS) holds sections
 *   `Name { <entry>; <entry>; };` — brokers read `<listener>.KafkaServer`, then `KafkaServer`, for
 *   SASL, and `Client` for ZooKeeper.
 * Syntax (Java's StreamTokenizer as JaasConfig sets it up): words, `"quoted values"` with
 * backslash escapes, `=`, `;`, braces, `//` and `/* *\/` comments. Control flags: required,
 * requisite, sufficient, optional (case-insensitive).
 */
import { readFileSync } from 'node:fs';

export interface JaasEntry {
  readonly loginModule: string;
  readonly controlFlag: string;
  readonly options: ReadonlyMap<string, string>;
}

export type JaasFile = ReadonlyMap<string, readonly JaasEntry[]>;

export class JaasConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JaasConfigError';
  }
}

type Token = { kind: 'word' | 'quoted'; text: string } | { kind: 'punct'; text: '{' | '}' | ';' | '=' };

const CONTROL_FLAGS = new Set(['required', 'requisite', 'sufficient', 'optional']);

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw new JaasConfigError('unterminated comment in JAAS configuration');
      i = end + 2;
    } else if (c === '{' || c === '}' || c === ';' || c === '=') {
      out.push({ kind: 'punct', text: c });
      i++;
    } else if (c === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new JaasConfigError('unterminated quoted value in JAAS configuration');
        const q = text[i]!;
        if (q === '"') break;
        if (q === '\\' && i + 1 < text.length) {
          const e = text[i + 1]!;
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e;
          i += 2;
          continue;
        }
        s += q;
        i++;
      }
      i++;
      out.push({ kind: 'quoted', text: s });
    } else {
      let s = '';
      while (i < text.length && !/[\s{};="]/.test(text[i]!) && !(text[i] === '/' && (text[i + 1] === '/' || text[i + 1] === '*'))) s += text[i++]!;
      out.push({ kind: 'word', text: s });
    }
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  get done(): boolean {
    return this.pos >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  next(what: string): Token {
    const t = this.tokens[this.pos++];
    if (!t) throw new JaasConfigError(`JAAS configuration ends where ${what} was expected`);
    return t;
  }

  expectPunct(p: '{' | '}' | ';' | '='): void {
    const t = this.next(`'${p}'`);
    if (t.kind !== 'punct' || t.text !== p) throw new JaasConfigError(`expected '${p}' in JAAS configuration, found '${t.text}'`);
  }

  word(what: string): string {
    const t = this.next(what);
    if (t.kind === 'punct') throw new JaasConfigError(`expected ${what} in JAAS configuration, found '${t.text}'`);
    return t.text;
  }

  /** `<LoginModule> <flag> (key=value)* ;` */
  entry(): JaasEntry {
    const loginModule = this.word('a login module class name');
    const controlFlag = this.word('a control flag');
    if (!CONTROL_FLAGS.has(controlFlag.toLowerCase())) {
      throw new JaasConfigError(`invalid JAAS control flag '${controlFlag}' for ${loginModule}`);
    }
    const options = new Map<string, string>();
    for (;;) {
      const t = this.peek();
      if (!t) throw new JaasConfigError(`JAAS entry for ${loginModule} does not end with ';'`);
      if (t.kind === 'punct' && t.text === ';') {
        this.pos++;
        break;
      }
      const key = this.word('an option name');
      this.expectPunct('=');
      options.set(key, this.word(`the value of option ${key}`));
    }
    return { loginModule, controlFlag: controlFlag.toLowerCase(), options };
  }
}

/** A `sasl.jaas.config` value: exactly one login module entry (Kafka: "should be 1 module"). */
export function parseJaasEntry(text: string): JaasEntry {
  const p = new Parser(tokenize(text));
  if (p.done) throw new JaasConfigError('JAAS config property does not contain any login modules');
  const entry = p.entry();
  if (!p.done) throw new JaasConfigError('JAAS config property contains more than one login module, should be 1 module');
  return entry;
}

/** A JAAS file's text: its sections by name. */
export function parseJaasFile(text: string): JaasFile {
  const p = new Parser(tokenize(text));
  const sections = new Map<string, JaasEntry[]>();
  while (!p.done) {
    const name = p.word('a section name');
    p.expectPunct('{');
    const entries: JaasEntry[] = [];
    for (;;) {
      const t = p.peek();
      if (t?.kind === 'punct' && t.text === '}') break;
      entries.push(p.entry());
    }
    p.expectPunct('}');
    p.expectPunct(';');
    sections.set(name, entries);
  }
  return sections;
}

export function readJaasFile(path: string): JaasFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new JaasConfigError(`cannot read the JAAS configuration file ${path}: ${(err as Error).message}`);
  }
  try {
    return parseJaasFile(text);
  } catch (err) {
    throw new JaasConfigError(`${path}: ${(err as Error).message}`);
  }
}

/** The JAAS file Java would use: `-Djava.security.auth.login.config=<path>` in KAFKA_OPTS (the JVM flags Kafka's scripts pass). */
export function jaasFileFromEnv(env: NodeJS.ProcessEnv): string | null {
  const opts = env.KAFKA_OPTS ?? '';
  const m = /(?:^|\s)-Djava\.security\.auth\.login\.config=(?:"([^"]*)"|(\S+))/.exec(opts);
  return m ? (m[1] ?? m[2] ?? null) : null;
}
