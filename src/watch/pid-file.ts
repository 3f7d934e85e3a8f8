/**
 * One `tt watch` per town: two would race to rename the same hand-written
 * file into two messages. The claim is a pid file under run/ created with
 * O_EXCL — the town lock's mechanism (store/lock.ts), so a claim left by a
 * killed watcher (its pid is dead) is taken over at once.
 */
import { hostname } from 'node:os';
import path from 'node:path';
import { ConflictError } from '../errors.js';
import { ensureDir } from '../store/fs-safe.js';
import { acquireLock, readLockOwner, type HeldLock } from '../store/lock.js';
import { townPaths } from '../store/paths.js';
import type { Town } from '../store/town.js';

export const WATCH_PID_FILE = `${townPaths.runDir}/watch.pid`;

/** Claims the town for this process's watcher; refuses, naming the running watcher's pid, if another has it. */
export async function claimWatch(town: Town): Promise<HeldLock> {
  ensureDir(town.root, townPaths.runDir);
  const file = path.join(town.root, WATCH_PID_FILE);
  try {
    return await acquireLock(file, { timeoutMs: 0, command: 'tt watch' });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const owner = readLockOwner(file);
    const pid = owner?.pid ?? '?';
    const where = owner && owner.host !== hostname() ? ` on ${owner.host}` : '';
    throw new ConflictError(
      `this town already has a watcher: tt watch, pid ${pid}${where}, running since ${owner?.since ?? '?'} ` +
        `(one watcher per town; stop it with \`kill ${pid}\` first, or let it do the work) (${WATCH_PID_FILE})`,
    );
  }
}
