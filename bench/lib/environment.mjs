// The benchmark's temporary area and the environment every process runs in:
// git with no system or global config, no inherited tt or git identity
// variables. The library (dist/lib) runs git inside this process, so the same
// isolation is applied to process.env itself.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const DROPPED = ['TINYTOWN_AGENT', 'TINYTOWN_DIR', 'GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'NODE_OPTIONS'];

/** A new temporary folder (real path) and the isolated environment; process.env is isolated the same way. */
export function isolate() {
  const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'tt-bench-')));
  const emptyGitconfig = path.join(tmp, 'empty.gitconfig');
  fs.writeFileSync(emptyGitconfig, '');
  const settings = { GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: emptyGitconfig, NO_COLOR: '1', GIT_TERMINAL_PROMPT: '0' };
  Object.assign(process.env, settings);
  for (const key of DROPPED) delete process.env[key];
  return { tmp, env: { ...process.env } };
}
