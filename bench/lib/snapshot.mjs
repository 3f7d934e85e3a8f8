// The CLI under test, copied aside for the run.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep } from './timing.mjs';

/**
 * Runs go against a private copy of the built CLI (bin/, dist/, templates/,
 * package.json; node_modules linked): a rebuild of dist/ in the checkout while
 * the benchmark runs (someone running the tests) must not pull the binary out
 * from under it or change it half-way. Returns the copy's folder; null when the
 * build cannot be used (after retrying for half a minute).
 */
export async function snapshotCli({ root, tmp, env, log }) {
  const copy = path.join(tmp, 'tinytown');
  for (let attempt = 1; ; attempt++) {
    try {
      fs.rmSync(copy, { recursive: true, force: true });
      fs.mkdirSync(copy);
      for (const entry of ['bin', 'dist', 'templates', 'package.json']) fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
      if (fs.existsSync(path.join(root, 'node_modules'))) fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
      const check = spawnSync(path.join(copy, 'bin', 'tt'), ['--version'], { cwd: tmp, env, encoding: 'utf8' });
      if (check.status !== 0) throw new Error((check.stderr || check.stdout).trim());
      log(`using a snapshot of the built CLI (tt ${check.stdout.trim()}): ${path.join(copy, 'bin', 'tt')}`);
      return copy;
    } catch (error) {
      if (attempt >= 15) {
        console.error(`bench: cannot use the built CLI (${error.message}); run \`npm run build\` (npm run bench does it for you)`);
        return null;
      }
      log(`the built CLI is not usable yet (${String(error.message).split('\n')[0]}); a rebuild may be under way, retrying in 2 s`);
      await sleep(2000);
    }
  }
}
