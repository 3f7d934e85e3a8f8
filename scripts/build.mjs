// Builds two things:
// - dist/tt.cjs, the CLI: one CommonJS file that bin/tt.js compiles with a V8
//   code cache. A tt call is mostly start-up, and most start-up is parsing and
//   compiling code; the cache skips that, and one CommonJS file skips the ESM
//   loader's per-chunk work. What only some commands need (yargs for help,
//   chokidar, the MCP SDK) stays behind lazy require wrappers and never runs
//   for a `tt send`.
// - dist/lib/, the library API (src/index.ts) as ESM.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

// js-yaml 3 require()s esprima at start-up, only for the unsafe !!js/function
// type we never load; refusing it saves compiling 280 kB on every tt call.
const refuseEsprima = "if (id === 'esprima') throw new Error('esprima is not used by tinytown');";

const shared = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minify: true,
  define: { TINYTOWN_VERSION: JSON.stringify(version) },
  logLevel: 'warning',
};

// The MCP server (the SDK and zod: 750 kB) is its own file, required only by `tt mcp`,
// so the code cache of every other command stays small. A dynamic import() cannot be
// used inside a vm.Script without an experimental flag, hence a plain require.
const mcpOnDemand = {
  name: 'mcp-on-demand',
  setup(plugin) {
    plugin.onResolve({ filter: /\/mcp\/server\.js$/ }, () => ({ path: 'mcp-server', namespace: 'mcp-on-demand' }));
    plugin.onLoad({ filter: /.*/, namespace: 'mcp-on-demand' }, () => ({
      contents: "module.exports = require(require('node:path').join(__dirname, 'mcp.cjs'));",
      loader: 'js',
    }));
  },
};

const cjsBanner = {
  js: [
    "const __ttModuleUrl = require('node:url').pathToFileURL(__filename).href;",
    `{ const load = require; require = (id) => { ${refuseEsprima} return load(id); }; }`,
  ].join('\n'),
};

await build({
  ...shared,
  entryPoints: ['src/mcp/server.ts'],
  outfile: 'dist/mcp.cjs',
  format: 'cjs',
  define: { ...shared.define, 'import.meta.url': '__ttModuleUrl' },
  banner: cjsBanner,
});

await build({
  ...shared,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/tt.cjs',
  format: 'cjs',
  plugins: [mcpOnDemand],
  // src/package-root.ts finds the package from import.meta.url; in CommonJS that is __filename.
  define: { ...shared.define, 'import.meta.url': '__ttModuleUrl' },
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
      `const require = (id) => { ${refuseEsprima} return __ttRequire(id); };`,
    ].join(' '),
  },
});
