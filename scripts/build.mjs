// Builds:
// - dist/tt.cjs, the CLI: one CommonJS file that bin/tt.js compiles with a V8
//   code cache. A tt call is mostly start-up, and most start-up is parsing and
//   compiling code; the cache skips that, and one CommonJS file skips the ESM
//   loader's per-chunk work. What only some commands need (yargs for help,
//   chokidar, the MCP SDK) stays behind lazy require wrappers and never runs
//   for a `tt send`.
// - dist/lib/, the library API (src/index.ts) as ESM.
import { build } from 'esbuild';
import { cpSync, readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  define: { TINYTOWN_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
};

// The MCP server (the SDK and zod: 750 kB) and the board server are files of their own,
// required only by `tt mcp` and `tt ui`, so the code cache of every other command stays
// small. A dynamic import() cannot be used inside a vm.Script without an experimental
// flag, hence a plain require.
const ON_DEMAND = [
  { filter: /\/mcp\/server\.js$/, entry: 'src/mcp/server.ts', file: 'mcp.cjs' },
  { filter: /\/ui\/server\.js$/, entry: 'src/ui/server.ts', file: 'ui.cjs' },
];
const onDemand = (except) => ({
  name: 'on-demand',
  setup(plugin) {
    for (const { filter, file } of ON_DEMAND.filter((part) => part.file !== except)) {
      plugin.onResolve({ filter }, () => ({ path: file, namespace: 'on-demand' }));
    }
    plugin.onLoad({ filter: /.*/, namespace: 'on-demand' }, ({ path: file }) => ({
      contents: `module.exports = require(require('node:path').join(__dirname, ${JSON.stringify(file)}));`,
      loader: 'js',
    }));
  },
});

// Libraries only some tt calls need are loaded when first used rather than when tt
// starts: yaml (needed only for files outside the canonical form the codec
// reads itself, and for town.yml when its cached parse is stale),
// child_process (only writes spawn git) and crypto. Each is replaced, for imports from
// src/, by a small module that requires the real one on first use: its default
// export stands in for the real default export (called or read), and its named
// exports are the names listed here (a name not listed fails the build).
const LAZY = {
  // every import of it is in src/store/yaml.ts
  yaml: { named: ['isAlias', 'isNode', 'parseDocument', 'visit'] },
  'node:child_process': { named: ['spawn', 'spawnSync'] },
  // node:crypto starts up streams and ciphers (~8 ms); only direct-edit intake hashes blobs.
  'node:crypto': { named: ['createHash'] },
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

const cjsBanner = {
  js: [
    // import.meta.url, computed when first asked for (only to find templates/): most calls never do
    "const __ttModule = { get url() { return require('node:url').pathToFileURL(__filename).href; } };",
  ].join('\n'),
};

for (const { entry, file } of ON_DEMAND) {
  await build({
    ...shared,
    entryPoints: [entry],
    outfile: `dist/${file}`,
    format: 'cjs',
    plugins: [onDemand(file)],
    define: { ...shared.define, 'import.meta.url': '__ttModule.url' },
    banner: cjsBanner,
  });
}

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

await build({
  ...shared,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/tt.cjs',
  format: 'cjs',
  plugins: [onDemand(), lazyLibraries],
  // src/package-root.ts finds the package from import.meta.url; in CommonJS that is __filename.
  define: { ...shared.define, 'import.meta.url': '__ttModule.url' },
  banner: cjsBanner,
});

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
