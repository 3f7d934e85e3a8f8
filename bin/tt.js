#!/usr/bin/env node
// The tt CLI, started by bin/tt (the installed command) or as `node bin/tt.js`.
// It runs the bundled CLI (dist/tt.cjs, built by `npm run build`) through a V8
// code cache: compiling the bundle is most of a tt call's start-up, and agents
// call tt hundreds of times an hour. The cache is an optimisation
// only — V8 checks it against the source and anything wrong falls back to a
// normal compile.
//
// This file is CommonJS (bin/package.json says so): an ES module entry would
// start Node's ESM loader first, about 12 ms of every call on a small machine.
'use strict';
// bin/tt (the installed command) starts node with NODE_EXTRA_CA_CERTS set aside, because
// node 20 parses every CA certificate at start-up when it is set; put it back, so the
// programs tt starts (agent CLIs above all) see the environment the user gave tt.
if (process.env.TINYTOWN_NODE_EXTRA_CA_CERTS !== undefined) {
  process.env.NODE_EXTRA_CA_CERTS = process.env.TINYTOWN_NODE_EXTRA_CA_CERTS;
  delete process.env.TINYTOWN_NODE_EXTRA_CA_CERTS;
}
const { createRequire } = require('node:module');
const { existsSync, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const vm = require('node:vm');

const bundle = path.join(__dirname, '..', 'dist', 'tt.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('tt: the CLI is not built yet; run `npm run build` (or `npm install`) in the tinytown folder\n');
  process.exit(1);
}
// ASCII (scripts/build.mjs checks it), so Latin-1 reads it exactly, without decoding UTF-8.
const source = readFileSync(bundle, 'latin1');
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
// The bundle is written as CommonJS's module function (scripts/build.mjs): compiled as it is, no copy.
const script = new vm.Script(source, {
  filename: bundle,
  cachedData,
});
const bundleModule = { exports: {} };
script.runInThisContext()(bundleModule.exports, createRequire(bundle), bundleModule, bundle, path.dirname(bundle));
if (!cachedData || script.cachedDataRejected) writeCodeCache(script.createCachedData());

/**
 * The cache holds what the bundle's top level compiled, taken as soon as it has run: the same
 * whichever command comes first. Taken at exit, it also held every function that run compiled,
 * and after a broad first command (582 kB instead of 272 kB) every later tt call spent ~15 ms
 * more deserialising it than compiling its few functions lazily would cost.
 * Temp + rename, since many tt run at once; the first writable place wins.
 */
function writeCodeCache(data) {
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
}
