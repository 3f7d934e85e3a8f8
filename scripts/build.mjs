// Builds:
// - dist/tt.cjs, the CLI: one CommonJS file that bin/tt.js compiles with a V8
//   code cache. A tt call is mostly start-up, and most start-up is parsing and
//   compiling code; the cache skips that, and one CommonJS file skips the ESM
//   loader's per-chunk work. It is one build graph: the MCP server and the
//   board (src/faces.ts loads them with import()) are parts of the same
//   bundle, so every class (the TinytownError family above all) exists once
//   and instanceof holds everywhere. esbuild wraps what is reached only
//   through import() in lazy initialisers, so what only some commands need
//   (the MCP SDK and zod, the board's server, yargs for help, chokidar)
//   never runs for a `tt send`.
// - dist/vendor.cjs: yaml, yargs and chokidar, which only a few commands need, required by
//   dist/tt.cjs when first used (fromVendor below).
// - dist/lib/, the library API (src/index.ts) as ESM.
import { build } from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
mkdirSync(new URL('../dist', import.meta.url));

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  define: { TINYTOWN_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
};

// Libraries only some tt calls need are loaded when first used rather than when tt
// starts: yaml (needed only for files outside the canonical form the codec
// reads itself, and for town.yml when its cached parse is stale),
// child_process (only writes spawn git) and crypto. Each is replaced, for imports from
// src/, by a small module that requires the real one on first use: its default
// export stands in for the real default export (called or read), and its named
// exports are the names listed here (a name not listed fails the build).
const LAZY = {
  // every import of it is in src/store/yaml.ts
  yaml: { named: ['isAlias', 'isMap', 'isNode', 'isPair', 'isScalar', 'parseDocument', 'visit'] },
  'node:child_process': { named: ['spawn', 'spawnSync'] },
  // only tt sync (src/git/porcelain.ts); also external below: required from node_modules, never bundled
  'simple-git': { named: ['simpleGit'] },
  // node:crypto starts up streams and ciphers (~10 ms): loaded only to hash more than 64 KiB (git/object-hash.ts).
  'node:crypto': { named: ['createHash', 'randomBytes', 'timingSafeEqual'] },
};
const lazyLibraries = {
  name: 'lazy-libraries',
  setup(plugin) {
    const filter = new RegExp(`^(${Object.keys(LAZY).map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
    plugin.onResolve({ filter }, (args) => (/[\\/]src[\\/]/.test(args.importer) ? { path: args.path, namespace: 'lazy-library' } : undefined));
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-library' }, ({ path: id }) => {
      const { default: hasDefault, named = [] } = LAZY[id];
      const lines = [`let real; const load = () => (real ??= require(${JSON.stringify(id)}));`];
      if (hasDefault) {
        lines.push('const target = (real) => real.default ?? real;');
        lines.push('export default new Proxy(function lazy() {}, {');
        lines.push('  apply: (_, self, args) => target(load()).apply(self, args),');
        lines.push('  get: (_, key) => { const value = target(load())[key]; return typeof value === "function" ? value.bind(target(load())) : value; },');
        lines.push('});');
      }
      for (const name of named) lines.push(`export function ${name}(...args) { return load().${name}(...args); }`);
      return { contents: lines.join('\n'), loader: 'js', resolveDir: process.cwd() };
    });
  },
};

// `import path from 'node:path'` in 70 modules: in a CommonJS bundle esbuild turns each into
// its own __toESM(require('node:path')), a new object with a getter per property of the module
// (~290 kB made and collected at every start). Served instead from one module that exports
// node's own object as its default, so every importer shares it.
const SHARED_DEFAULTS = ['node:path'];
const sharedDefaults = {
  name: 'shared-defaults',
  setup(plugin) {
    const filter = new RegExp(`^(${SHARED_DEFAULTS.join('|')})$`);
    plugin.onResolve({ filter }, (args) => (/[\\/]src[\\/]/.test(args.importer) ? { path: args.path, namespace: 'shared-default' } : undefined));
    plugin.onLoad({ filter: /.*/, namespace: 'shared-default' }, ({ path: id }) => ({ contents: `export default require(${JSON.stringify(id)});`, loader: 'js', resolveDir: process.cwd() }));
  },
};

const cjsBanner = {
  js: [
    // import.meta.url, computed when first asked for (only to find templates/): most calls never do
    "const __ttModule = { get url() { return require('node:url').pathToFileURL(__filename).href; } };",
  ].join('\n'),
};

// The faces only `tt mcp` and `tt ui` need (src/faces-chunk.ts: the MCP server with the SDK and
// zod, the board's server) are dist/faces.cjs, so the code cache every other tt call loads
// stays small (one bundle with them in it measured 8% slower per `tt send` here: a bigger
// code cache to deserialise). It is still one build graph: every import from the chunk of a
// module outside src/mcp and src/ui is not bundled again but served by the main bundle,
// which hands the chunk those modules' namespaces when it loads it (faceChunkLoader below).
// So each module, and each class (instanceof TinytownError), exists once.
const SRC = path.resolve('src');
const FACE_FOLDERS = ['mcp', 'ui'].map((folder) => path.join(SRC, folder) + path.sep);
const SHARED_PREFIX = 'tinytown-shared:';
const sharedModules = new Set();
const shareWithMainBundle = {
  name: 'share-with-main-bundle',
  setup(plugin) {
    plugin.onResolve({ filter: /^\./ }, ({ path: spec, importer }) => {
      if (!importer.startsWith(SRC + path.sep)) return undefined;
      const target = path.resolve(path.dirname(importer), spec).replace(/\.js$/, '.ts');
      if (!target.startsWith(SRC + path.sep) || FACE_FOLDERS.some((folder) => target.startsWith(folder))) return undefined;
      const rel = path.relative(SRC, target).split(path.sep).join('/');
      sharedModules.add(rel);
      return { path: `${SHARED_PREFIX}${rel}`, external: true };
    });
  },
};
const chunk = await build({
  ...shared,
  entryPoints: ['src/faces-chunk.ts'],
  format: 'cjs',
  write: false,
  outfile: 'dist/faces.cjs',
  plugins: [shareWithMainBundle],
  define: { ...shared.define, 'import.meta.url': '__ttModule.url' },
  banner: cjsBanner,
});
// A factory: the main bundle calls it with a require that answers the shared ids.
writeFileSync('dist/faces.cjs', `module.exports = function faces(require) {\nconst module = { exports: {} }, exports = module.exports;\n${chunk.outputFiles[0].text}\nreturn module.exports;\n};\n`);

// In the main bundle, src/faces-loader.ts is replaced by this module: the namespaces of the
// modules the chunk shares, imported statically (so esbuild keeps them plain hoisted code:
// reached through import() they would all be wrapped in lazy initialisers, which cost every
// tt call ~3 ms here), and a function that requires dist/faces.cjs on first use (a plain
// require, so NODE_DEBUG=module shows when it is loaded): only `tt mcp` and `tt ui` call it.
const faceChunkLoader = {
  name: 'face-chunk-loader',
  setup(plugin) {
    plugin.onResolve({ filter: /\/faces-loader\.js$/ }, () => ({ path: 'faces-loader', namespace: 'face-chunk-loader' }));
    plugin.onLoad({ filter: /.*/, namespace: 'face-chunk-loader' }, () => {
      const modules = [...sharedModules].sort();
      const lines = modules.map((rel, i) => `import * as m${i} from ${JSON.stringify(path.join(SRC, rel))};`);
      lines.push(`const shared = { ${modules.map((rel, i) => `${JSON.stringify(`${SHARED_PREFIX}${rel}`)}: m${i}`).join(', ')} };`);
      lines.push('let chunk;');
      lines.push('export async function loadFaceChunk() {');
      lines.push(`  chunk ??= require(require('node:path').join(__dirname, 'faces.cjs'))((id) => (Object.hasOwn(shared, id) ? shared[id] : require(id)));`);
      lines.push('  return chunk;');
      lines.push('}');
      return { contents: lines.join('\n'), loader: 'js', resolveDir: SRC };
    });
  },
};

// The board's page (src/ui/client): one browser script, with its HTML and CSS beside it.
// Nothing is fetched from anywhere at run time.
await build({
  ...shared,
  entryPoints: ['src/ui/client/app.ts'],
  outfile: 'dist/ui/app.js',
  platform: 'browser',
  target: 'es2022',
  format: 'esm',
  define: {},
});
for (const file of ['index.html', 'style.css']) cpSync(`src/ui/client/${file}`, `dist/ui/${file}`);

// Libraries only a few commands need, kept out of dist/tt.cjs in dist/vendor.cjs: yaml (a town
// file outside the canonical form, a stale town.yml), yargs (help, completion, the rare argv
// the fast parser leaves to it) and chokidar (tt watch). Every tt call reads and decodes the whole
// of dist/tt.cjs before it runs (~8 ms for its 578 kB here); without them it is 40% smaller.
// Each is still bundled once, initialised only when first asked for (a getter each). What src/
// imports from each: its module object, or (yargs, an ES module whose default export src/ calls)
// the default export, since src/ is ESM and esbuild then takes a CommonJS module's exports
// object itself as the default.
const VENDOR = { yaml: 'module', yargs: 'default', chokidar: 'module' };
const VENDOR_IDS = Object.keys(VENDOR);
const vendor = await build({
  ...shared,
  stdin: { contents: `module.exports = { ${VENDOR_IDS.map((id) => `get ${id}() { return require(${JSON.stringify(id)}); }`).join(', ')} };`, resolveDir: process.cwd(), loader: 'js' },
  format: 'cjs',
  write: false,
  outfile: 'dist/vendor.cjs',
  // yargs finds its own files with createRequire(import.meta.url)
  define: { ...shared.define, 'import.meta.url': '__ttModule.url' },
  banner: cjsBanner,
});
writeFileSync('dist/vendor.cjs', vendor.outputFiles[0].text);
const fromVendor = {
  name: 'from-vendor',
  setup(plugin) {
    const filter = new RegExp(`^(${VENDOR_IDS.join('|')})$`);
    // From src/, and from a lazy-library stub (yaml's): served by dist/vendor.cjs, required when first used.
    plugin.onResolve({ filter }, (args) => (/[\\/]src[\\/]/.test(args.importer) || args.namespace === 'lazy-library' ? { path: args.path, namespace: 'vendor' } : undefined));
    plugin.onLoad({ filter: /.*/, namespace: 'vendor' }, ({ path: id }) => ({
      contents: `module.exports = require(require('node:path').join(__dirname, 'vendor.cjs'))[${JSON.stringify(id)}]${VENDOR[id] === 'default' ? '.default' : ''};`,
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};

await build({
  ...shared,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/tt.cjs',
  format: 'cjs',
  plugins: [faceChunkLoader, lazyLibraries, sharedDefaults, fromVendor],
  // Required from node_modules when first used (through its LAZY stub) rather than bundled:
  // only `tt sync` needs it, and every function in the bundle, run or not, is in the code cache
  // every tt call deserialises (simple-git and its dependencies are ~70 kB of it).
  external: ['simple-git'],
  // src/package-root.ts finds the package from import.meta.url; in CommonJS that is __filename.
  define: { ...shared.define, 'import.meta.url': '__ttModule.url' },
  // The file is the body of CommonJS's module function, written out: bin/tt.js compiles it as it
  // is, where wrapping it at run time made V8 copy all of it into one string first (~86 page
  // faults and ~2 ms of every tt call here).
  banner: { js: `(function (exports, require, module, __filename, __dirname) {\n${cjsBanner.js}` },
  footer: { js: '})' },
});
// bin/tt.js reads the bundle as Latin-1, which for ASCII is exact and cheaper than decoding UTF-8;
// esbuild escapes every other character (its default charset), and this keeps it so.
if (!/^[\x00-\x7f]*$/.test(readFileSync('dist/tt.cjs', 'latin1'))) throw new Error('dist/tt.cjs must be ASCII: bin/tt.js reads it as Latin-1');

await build({
  ...shared,
  entryPoints: { index: 'src/index.ts' },
  outdir: 'dist/lib',
  format: 'esm',
  splitting: true,
  sourcemap: 'linked',
  banner: {
    js: [
      "import { createRequire as __ttCreateRequire } from 'node:module';",
      'const __ttRequire = __ttCreateRequire(import.meta.url);',
      'const require = __ttRequire;',
    ].join(' '),
  },
});
