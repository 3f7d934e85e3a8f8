#!/usr/bin/env node
// The tt command. It runs the bundled CLI (dist/tt.cjs, built by `npm run build`)
// through a V8 code cache: compiling the bundle is most of a tt call's start-up,
// and agents call tt hundreds of times an hour. The cache is an optimisation
// only — V8 checks it against the source and anything wrong falls back to a
// normal compile.
import { createRequire } from 'node:module';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const bundle = fileURLToPath(new URL('../dist/tt.cjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('tt: the CLI is not built yet; run `npm run build` (or `npm install`) in the tinytown folder\n');
  process.exit(1);
}
const source = readFileSync(bundle, 'utf8');
const cacheFiles = [`${bundle}.cache`, path.join(tmpdir(), `tinytown-${process.getuid?.() ?? 'user'}-tt.cjs.cache`)];
let cachedData;
for (const file of cacheFiles) {
  try {
    cachedData = readFileSync(file);
    break;
  } catch {
    // not cached there
  }
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
  filename: bundle,
  cachedData,
});
if (!cachedData || script.cachedDataRejected) {
  // Written at exit, so the functions this run compiled are in it too; temp + rename, since many tt run at once.
  process.once('exit', () => {
    const data = script.createCachedData();
    for (const file of cacheFiles) {
      try {
        const temp = `${file}.${process.pid}.tmp`;
        writeFileSync(temp, data);
        renameSync(temp, file);
        return;
      } catch {
        // not writable here; try the next place
      }
    }
  });
}
const module = { exports: {} };
script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, path.dirname(bundle));
