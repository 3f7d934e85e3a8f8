/**
 * One `tt watch` per town: two would race to rename the same hand-written
 * file into two messages. The claim is a pid file in the local state folder created with
 * O_EXCL — the town lock's mechanism (store/lock.ts), so a claim left by a
 * killed watcher (its pid is dead) is taken over at once.
 */
import { hostname } from 'node:os';
import { ConflictError } from '../errors.js';
import { acquireLock, readLockOwner, type HeldLock } from '../store/lock.js';
import { statePaths } from '../store/state-dir.js';
import type { Town } from '../store/town.js';

/** Claims the town for this process's watcher; refuses, naming the running watcher's pid, if another has it. */
export async function claimWatch(town: Town): Promise<HeldLock> {
  const file = statePaths.watchPid(town.root);
  try {
    return await acquireLock(file, { timeoutMs: 0, command: 'tt watch' });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const owner = readLockOwner(file);
    const pid = owner?.pid ?? '?';
    const where = owner && owner.host !== hostname() ? ` on ${owner.host}` : '';
    throw new ConflictError(
      `this town already has a watcher: tt watch, pid ${pid}${where}, running since ${owner?.since ?? '?'} ` +
        `(one watcher per town; stop it with \`kill ${pid}\` first, or let it do the work) (${file})`,
    );
  }
}
