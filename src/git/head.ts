/** HEAD's commit id read from the git directory's files: asked before every write, so no process. */
import { readFileSync } from 'node:fs';
import path from 'node:path';

function commonDir(gitDir: string): string {
  try {
    return path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    return gitDir;
  }
}

export function readHeadCommit(gitDir: string): string | undefined {
  try {
    const head = readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    const ref = /^ref: (.+)$/.exec(head)?.[1];
    if (!ref) return head;
    for (const dir of [gitDir, commonDir(gitDir)]) {
      try {
        return readFileSync(path.join(dir, ref), 'utf8').trim();
      } catch {
        // not a loose ref here
      }
    }
    const packed = readFileSync(path.join(commonDir(gitDir), 'packed-refs'), 'utf8');
    return new RegExp(`^([0-9a-f]{40,64}) ${ref.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm').exec(packed)?.[1];
  } catch {
    return undefined;
  }
}
