/**
 * The only module that parses frontmatter. Reading is lenient; writing is
 * canonical and byte-stable: keys in a fixed order, every key present, strings
 * double-quoted when plain YAML would change their meaning (timestamps always),
 * LF endings. We emit YAML ourselves because a canonical file must not depend
 * on a dumper's heuristics (how it quotes timestamps, when it folds lines).
 *
 * No gray-matter: it only split the text at the "---" lines and handed the
 * block to js-yaml 3, which it require()s as it loads (with a JavaScript
 * engine beside it) whatever engine it is given, so keeping it meant a second
 * YAML library in every build. Splitting is a few lines here (splitFrontmatter,
 * with gray-matter's rules), and the block goes to yaml.ts, the one YAML module.
 */
import { ValidationError } from '../errors.js';
import { parseYaml, YamlSyntaxError } from './yaml.js';

export interface ParsedFile {
  data: Record<string, unknown>;
  body: string;
}

const CONFLICT_MARKER = /^(<{7}|={7}|>{7})( |$)/m;

export function parseFrontmatter(text: string, file: string): ParsedFile {
  if (text.includes('\u0000')) throw new ValidationError(`${file}: binary data, not a Markdown file`, file);
  const conflict = CONFLICT_MARKER.exec(text);
  if (conflict) {
    const line = text.slice(0, conflict.index).split('\n').length;
    throw new ValidationError(`${file}:${line}: git conflict marker "${conflict[1]}": resolve the conflict (tt doctor lists them)`, file, undefined, line);
  }
  const normalised = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  if (!normalised.startsWith('---\n')) {
    throw new ValidationError(`${file}:1: no YAML frontmatter (the file must start with a line "---")`, file, undefined, 1);
  }
  return parseCanonical(normalised) ?? parseWithYaml(normalised, file);
}

/**
 * A file's frontmatter block and body, split as gray-matter did: the block
 * runs from after the opening "---" to the first line starting with "---"
 * (the whole rest when there is none), and the body starts after that line's
 * "---", without the line break that ends it.
 */
function splitFrontmatter(normalised: string): { block: string; body: string } {
  const rest = normalised.slice(3);
  const close = rest.indexOf('\n---');
  if (close === -1) return { block: rest, body: '' };
  let body = rest.slice(close + 4);
  if (body.startsWith('\r')) body = body.slice(1);
  if (body.startsWith('\n')) body = body.slice(1);
  return { block: rest.slice(0, close), body };
}

/** Lines holding only a comment. */
const COMMENT_LINE = /^\s*#[^\n]+/gm;

/**
 * Frontmatter through the YAML library (yaml.ts): what the fast path does
 * not take. `normalised` starts with "---\n", has LF endings and no BOM.
 */
export function parseWithYaml(normalised: string, file: string): ParsedFile {
  const { block, body } = splitFrontmatter(normalised);
  let data: unknown = {};
  // A block of nothing but comments and blank lines is an empty mapping, not a null document.
  if (block.replace(COMMENT_LINE, '').trim() !== '') {
    try {
      data = parseYaml(block);
    } catch (error) {
      if (!(error instanceof YamlSyntaxError)) throw error;
      // The block starts on the opening "---" line, so its lines are the file's.
      const line = error.line;
      throw new ValidationError(`${file}${line ? `:${line}` : ''}: YAML error: ${error.message.split('\n')[0]}`, file, undefined, line);
    }
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ValidationError(`${file}:2: the frontmatter must be a mapping of keys to values`, file, undefined, 2);
  }
  if (Object.keys(data).length === 0 && !/^---\n[\s\S]*?\n---/.test(normalised)) {
    throw new ValidationError(`${file}: the frontmatter is not closed by a line "---"`, file);
  }
  return { data: data as Record<string, unknown>, body: body.replace(/^\n/, '') };
}

const RESERVED_PLAIN = /^(true|false|yes|no|on|off|y|n|null|~)$/i;
const SAFE_PLAIN = /^[A-Za-z_][A-Za-z0-9_ .,/()+@-]*$/;

function isPlain(value: string): boolean {
  return SAFE_PLAIN.test(value) && !RESERVED_PLAIN.test(value) && !value.endsWith(' ') && !/ #|: /.test(value);
}

const KEY = /^[A-Za-z_][\w-]*$/;

/** Sentinel: this value is not in the canonical subset; let the YAML library decide. */
const NOT_CANONICAL = Symbol('not canonical');

function canonicalScalar(text: string): unknown {
  if (text === 'null') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^-?(0|[1-9]\d{0,14})$/.test(text)) return Number(text);
  if (text.startsWith('"')) {
    try {
      const value: unknown = JSON.parse(text);
      return typeof value === 'string' ? value : NOT_CANONICAL;
    } catch {
      return NOT_CANONICAL;
    }
  }
  return isPlain(text) ? text : NOT_CANONICAL;
}

/**
 * The fast path for files in exactly the form formatFrontmatter writes: one
 * `key: value` line per key, with null, booleans, small integers, plain or
 * JSON-quoted strings, flat lists of those and one-line JSON maps of numbers. Parsing that subset directly is
 * an order of magnitude faster than a YAML parser, which matters when `tt
 * status` reads 10,000 tasks. Anything outside the subset (comments, nesting,
 * anchors, odd quoting, duplicate keys) returns undefined and goes to the
 * YAML library (parseWithYaml), so the result is always what it would say.
 */
export function parseCanonical(normalised: string): ParsedFile | undefined {
  let end = normalised.indexOf('\n---\n', 3);
  let bodyStart = end + 5;
  if (end === -1) {
    if (!normalised.endsWith('\n---')) return undefined;
    end = normalised.length - 4;
    bodyStart = normalised.length;
  }
  const data: Record<string, unknown> = {};
  let lineStart = 4;
  while (lineStart < end) {
    let lineEnd = normalised.indexOf('\n', lineStart);
    if (lineEnd === -1 || lineEnd > end) lineEnd = end;
    const separator = normalised.indexOf(': ', lineStart);
    if (separator === -1 || separator >= lineEnd) return undefined;
    const key = normalised.slice(lineStart, separator);
    const text = normalised.slice(separator + 2, lineEnd);
    lineStart = lineEnd + 1;
    // `__proto__` goes to the YAML library, which refuses it (assigning it here would set the prototype).
    if (!KEY.test(key) || key === '__proto__' || text === '' || Object.hasOwn(data, key)) return undefined;
    let value: unknown;
    if (text === '[]') value = [];
    else if (text.startsWith('[') && text.endsWith(']')) {
      if (text.includes('"')) return undefined;
      const items = text.slice(1, -1).split(', ').map(canonicalScalar);
      if (items.some((item) => typeof item !== 'string')) return undefined;
      value = items;
    } else if (text.startsWith('{') && text.endsWith('}')) value = flatNumberMap(text);
    else value = canonicalScalar(text);
    if (value === NOT_CANONICAL) return undefined;
    data[key] = value;
  }
  if (Object.keys(data).length === 0) return undefined;
  return { data, body: normalised.slice(bodyStart) };
}

/**
 * A JSON object of numbers and nulls on one line, as formatScalar writes a
 * task's `usage`: `{"rounds":2,"input_tokens":1200,…}`. JSON is YAML flow
 * style, and for this shape both read the same values.
 */
function flatNumberMap(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return NOT_CANONICAL;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return NOT_CANONICAL;
  for (const [key, item] of Object.entries(value)) {
    if (!KEY.test(key) || key === '__proto__' || (item !== null && (typeof item !== 'number' || !Number.isFinite(item)))) return NOT_CANONICAL;
  }
  return value;
}

function formatScalar(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (typeof value === 'string') {
    // JSON's double-quoted strings are valid YAML double-quoted scalars.
    return isPlain(value) ? value : JSON.stringify(value);
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(formatScalar).join(', ')}]`;
  // Unknown nested values from hand-written files: JSON is valid YAML flow style.
  return JSON.stringify(value);
}

/** Fields whose values are always quoted, so readers never see a Date. */
const TIMESTAMP_FIELDS = new Set(['created', 'updated', 'started', 'completed']);

export function formatFrontmatter(fields: ReadonlyArray<readonly [string, unknown]>, body: string): string {
  const lines = ['---'];
  for (const [key, value] of fields) {
    const formatted = TIMESTAMP_FIELDS.has(key) && typeof value === 'string' ? JSON.stringify(value) : formatScalar(value);
    lines.push(`${key}: ${formatted}`);
  }
  lines.push('---');
  const text = body.replace(/\r\n/g, '\n').replace(/\n*$/, '\n');
  return `${lines.join('\n')}\n${text}`;
}
