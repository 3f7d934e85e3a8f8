// Bundles the CLI into one ESM file: loading one file is several times faster
// than resolving hundreds of node_modules files on every `tt` call.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { tt: 'src/bin.ts', index: 'src/index.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  minify: true,
  // yargs is only imported by the yargs-parse chunk, loaded when the fast parser declines.
  define: { TINYTOWN_VERSION: JSON.stringify(version) },
  // Bundled CommonJS dependencies call require() for Node built-ins. js-yaml 3 also
  // require()s esprima at start-up, only for the unsafe !!js/function type we never
  // load; refusing it saves compiling 280 kB on every tt call.
  banner: {
    js: [
      "import { createRequire as __ttCreateRequire } from 'node:module';",
      'const __ttRequire = __ttCreateRequire(import.meta.url);',
      "const require = (id) => { if (id === 'esprima') throw new Error('esprima is not used by tinytown'); return __ttRequire(id); };",
    ].join(' '),
  },
  logLevel: 'warning',
});
