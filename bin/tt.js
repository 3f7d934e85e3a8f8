#!/usr/bin/env node
// The tt command: a thin shim over the bundled CLI (dist/tt.js, built by `npm run build`).
import('../dist/tt.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/tt.js')) {
    process.stderr.write('tt: the CLI is not built yet; run `npm run build` (or `npm install`) in the tinytown folder\n');
    process.exitCode = 1;
    return;
  }
  throw error;
});
