/**
 * Reading git's config files (git-config(1), "CONFIGURATION FILE"): sections and
 * `"subsections"`, case-insensitive names, quoted values with escapes, `#`/`;` comments, and
 * lines continued with a backslash. Includes are not followed (nothing here needs them).
 */
import { XtestPackError } from '../errors.js';

export class GitConfig {
  readonly #values = new Map<string, string[]>();

  /** All values of `name` (`section.key` or `section.subsection.key`), in file order. */
  getAll(name: string): string[] {
    return this.#values.get(normalize(name)) ?? [];
  }

  /** The last value of `name`, as git uses. */
  get(name: string): string | undefined {
    const all = this.getAll(name);
    return all[all.length - 1];
  }

  /** Names of the variables set in `section` (with subsection, if any): `extensions.*` for example. */
  keysIn(section: string): string[] {
    const prefix = normalize(`${section}.x`).slice(0, -1);
    return [...this.#values.keys()].filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.'));
  }

  /** @internal */
  add(name: string, value: string): void {
    const k = normalize(name);
    const list = this.#values.get(k);
    if (list) list.push(value);
    else this.#values.set(k, [value]);
  }
}

/** section and key lower-cased; a subsection kept as it is. */
function normalize(name: string): string {
  const first = name.indexOf('.');
  const last = name.lastIndexOf('.');
  if (first < 0) return name.toLowerCase();
  if (first === last) return name.toLowerCase();
  return `${name.slice(0, first).toLowerCase()}.${name.slice(first + 1, last)}.${name.slice(last + 1).toLowerCase()}`;
}

/**
 * Parse a config file.
 * @throws CONFIG_CORRUPT naming the file and line.
 * @example
 *   parseConfig('[core]\n\trepositoryformatversion = 1\n').get('core.repositoryFormatVersion') === '1'
 */
export function parseConfig(text: string, file?: string, into = new GitConfig()): GitConfig {
  let section: string | undefined;
  let i = 0;
  let line = 1;
  const n = text.length;
  const fail = (what: string): never => {
    throw new XtestPackError('CONFIG_CORRUPT', `bad config line ${line}: ${what}`, { file });
  };
  const skipSpace = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < n) {
    skipSpace();
    const c = text[i];
    if (c === undefined) break;
    if (c === '\n' || c === '\r') {
      if (c === '\n') line++;
      i++;
      continue;
    }
    if (c === '#' || c === ';') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '[') {
      i++;
      let name = '';
      while (i < n && /[A-Za-z0-9.-]/.test(text[i]!)) name += text[i++];
      if (name === '') fail('empty section name');
      skipSpace();
      if (text[i] === '"') {
        i++;
        let sub = '';
        while (i < n && text[i] !== '"') {
          if (text[i] === '\n') fail('newline in subsection');
          if (text[i] === '\\') i++;
          sub += text[i++] ?? '';
        }
        if (text[i] !== '"') fail('unterminated subsection');
        i++;
        section = `${name.toLowerCase()}.${sub}`;
      } else {
        // [section.sub] is the old, lower-cased form.
        section = name.toLowerCase();
      }
      if (text[i] !== ']') fail('missing ]');
      i++;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) fail(`unexpected ${JSON.stringify(c)}`);
    let key = '';
    while (i < n && /[A-Za-z0-9-]/.test(text[i]!)) key += text[i++];
    skipSpace();
    let value = 'true';
    if (text[i] !== '=') {
      if (i < n && text[i] !== '\n' && text[i] !== '\r' && text[i] !== '#' && text[i] !== ';') fail('bad variable name');
    } else {
      i++;
      value = readValue();
    }
    // git reads a variable before any section and files it under no section: nothing here asks
    // for such names, so it is read and dropped.
    if (section !== undefined) into.add(`${section}.${key}`, value);
  }
  return into;

  function readValue(): string {
    let out = '';
    let quoted = false;
    let pendingSpace = '';
    skipSpace();
    for (;;) {
      const ch = text[i];
      if (ch === undefined) break;
      if (ch === '\n') {
        if (quoted) fail('newline in quoted value');
        break;
      }
      if (!quoted && (ch === '#' || ch === ';')) {
        while (i < n && text[i] !== '\n') i++;
        break;
      }
      i++;
      if (!quoted && (ch === ' ' || ch === '\t' || ch === '\r')) {
        // Outside quotes, each blank inside a value becomes one space (git's parse_value).
        if (out !== '' && ch !== '\r') pendingSpace += ' ';
        continue;
      }
      out += pendingSpace;
      pendingSpace = '';
      if (ch === '"') {
        quoted = !quoted;
        continue;
      }
      if (ch === '\\') {
        const e = text[i++];
        if (e === '\n') {
          line++;
          continue;
        }
        if (e === '\r' && text[i] === '\n') {
          i++;
          line++;
          continue;
        }
        if (e === 'n') out += '\n';
        else if (e === 't') out += '\t';
        else if (e === 'b') out += '\b';
        else if (e === '\\' || e === '"') out += e;
        else fail('bad escape in value');
        continue;
      }
      out += ch;
    }
    if (quoted) fail('unterminated quote');
    return out;
  }
}
