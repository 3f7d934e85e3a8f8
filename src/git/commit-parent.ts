/** A commit's first parent, read from its loose object file: tt just wrote it, so no git process is needed. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

function objectsDir(gitDir: string): string {
  try {
    return path.join(path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim()), 'objects');
  } catch {
    return path.join(gitDir, 'objects');
  }
}

/** zlib is loaded only when a commit is checked, so read-only commands never pay for it. */
function zlib(): typeof import('node:zlib') {
  return process.getBuiltinModule('node:zlib');
}

/** undefined when the object is not loose (packed) or cannot be read: the caller must not assume anything. */
export function readCommitParent(gitDir: string, commit: string): string | null | undefined {
  if (!/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  try {
    const raw = zlib().inflateSync(readFileSync(path.join(objectsDir(gitDir), commit.slice(0, 2), commit.slice(2)))).toString('utf8');
    const header = raw.slice(0, raw.indexOf('\n\n'));
    return /\nparent ([0-9a-f]+)/.exec(header)?.[1] ?? null;
  } catch {
    return undefined;
  }
}
