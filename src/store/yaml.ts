/**
 * The one YAML library, `yaml` v2, and the only module that imports it: for
 * town.yml (read, and edited through its document model so comments stay),
 * the values `tt config` is given, and frontmatter the codec's fast path does
 * not take. scripts/build.mjs loads it lazily (its LAZY table): a tt call that
 * reads only canonical files and town.yml's cached parse never evaluates it,
 * so `tt send` starts without it.
 *
 * Town files are data from collaborators (DESIGN §3, trust model), so:
 * - anchors and aliases are refused outright: an alias bomb cannot expand,
 *   and no town file needs them (the values are also converted with no alias
 *   allowed, should one ever get past the check);
 * - a tag the schema does not know (`!!js/function`) is an error: yaml only
 *   warns and reads it as a string, which would accept what was meant as code.
 * The schema is YAML 1.2's core schema plus timestamps, which is what js-yaml's
 * safe schema (the library before this one) read: an unquoted date is a Date,
 * which core/validate.ts accepts and tt writes back quoted.
 */
import { UsageError } from '../errors.js';
import { isAlias, isMap, isNode, isPair, isScalar, parseDocument, visit, type Document, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';

/** What is wrong with a YAML text, and on which line (1-based, of the text given). */
export class YamlSyntaxError extends Error {
  constructor(message: string, readonly line: number | undefined) {
    super(message);
    this.name = 'YamlSyntaxError';
  }
}

const PARSE_OPTIONS: ParseOptions & DocumentOptions & SchemaOptions = {
  schema: 'core',
  customTags: ['timestamp'],
  // The error's own text, without yaml's excerpt of the source: callers say where (file:line).
  prettyErrors: false,
};

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) line++;
  return line;
}

/** The document of a YAML text, for editing; refused (YamlSyntaxError) as described at the top. */
export function parseYamlDocument(text: string): Document {
  const source = text.replace(/^\uFEFF/, '');
  const document = parseDocument(source, PARSE_OPTIONS);
  const problem = document.errors[0] ?? document.warnings[0];
  if (problem) throw new YamlSyntaxError(problem.message, lineAt(source, problem.pos[0]));
  let refused: { what: string; offset: number | undefined } | undefined;
  visit(document, (_, node) => {
    if (refused) return;
    if (isAlias(node)) refused = { what: `an alias (*${node.source})`, offset: node.range?.[0] };
    // A JavaScript object cannot hold this key as data (assigning it sets the prototype): refused, never silently dropped.
    else if (isPair(node) && isScalar(node.key) && node.key.value === '__proto__') refused = { what: 'a key named "__proto__"', offset: node.key.range?.[0] };
    else if (isNode(node) && node.anchor) refused = { what: `an anchor (&${node.anchor})`, offset: node.range?.[0] };
  });
  if (refused) {
    const line = refused.offset === undefined ? undefined : lineAt(source, refused.offset);
    const rule = refused.what.startsWith('a key') ? 'no town file has such a field' : 'anchors and aliases are not accepted in town files';
    throw new YamlSyntaxError(`${refused.what}: ${rule}`, line);
  }
  return document;
}

/** A YAML text's value (null for an empty text); refused (YamlSyntaxError) as described at the top. */
export function parseYaml(text: string): unknown {
  return parseYamlDocument(text).toJS({ maxAliasCount: 0 });
}

/**
 * Sets a dotted path in a document, keeping its comments. A section written
 * empty (`clis:`, which reads as null) becomes a mapping; a section that
 * holds a value is refused, naming it.
 */
export function setYamlIn(document: Document, path: readonly string[], value: unknown): void {
  for (let depth = 1; depth < path.length; depth++) {
    const at = path.slice(0, depth);
    const section = document.getIn(at, true);
    if (section === undefined || (isScalar(section) && section.value === null)) document.setIn(at, document.createNode({}));
    else if (!isMap(section)) throw new UsageError(`town.yml's ${at.join('.')} is not a section (it holds ${JSON.stringify(isScalar(section) ? section.value : String(section))}): cannot set ${path.join('.')}`);
  }
  document.setIn(path, value);
}
