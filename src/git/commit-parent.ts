/** A commit's first parent, read from its loose object file: tt just wrote it, so no git process is needed. */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
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

/** How much of the end of the HEAD reflog is searched for a commit tt just made. */
const REFLOG_TAIL_BYTES = 16 * 1024;

/**
 * The parent of a commit tt itself just made with `git commit`: the "old"
 * side of that commit's line in the HEAD reflog (git commit moves HEAD from
 * the parent to the new commit), read from the log's last few kilobytes —
 * cheaper than loading zlib to inflate the commit object. Only a line git
 * commit wrote ("commit: …" or "commit (initial): …", never an amend) is
 * trusted; anything else falls back to the object itself.
 */
export function readOwnCommitParent(gitDir: string, commit: string): string | null | undefined {
  return reflogParent(gitDir, commit) ?? readCommitParent(gitDir, commit);
}

function reflogParent(gitDir: string, commit: string): string | null | undefined {
  let fd: number;
  try {
    fd = openSync(path.join(gitDir, 'logs', 'HEAD'), 'r');
  } catch {
    return undefined;
  }
  try {
    const { size } = fstatSync(fd);
    const length = Math.min(size, REFLOG_TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    const read = readSync(fd, buffer, 0, length, size - length);
    for (const line of buffer.toString('utf8', 0, read).split('\n')) {
      const match = /^([0-9a-f]{40,64}) ([0-9a-f]{40,64}) [^\t]*\tcommit(?: \(initial\))?: /.exec(line);
      if (match?.[2] === commit) return /^0+$/.test(match[1]!) ? null : match[1]!;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
