/** Sleep until something changes in one of a few folders — a file-system watch, not a poll. */
import { mkdirSync, watch, type FSWatcher } from 'node:fs';

/** Resolves true when any folder sees a change, false when `timeoutMs` passes first. */
export function waitForChange(folders: readonly string[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const watchers: FSWatcher[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = (changed: boolean) => {
      for (const watcher of watchers) watcher.close();
      if (timer) clearTimeout(timer);
      resolve(changed);
    };
    for (const folder of folders) {
      mkdirSync(folder, { recursive: true });
      const watcher = watch(folder, () => finish(true));
      watcher.on('error', () => finish(true));
      watchers.push(watcher);
    }
    if (Number.isFinite(timeoutMs)) timer = setTimeout(() => finish(false), timeoutMs);
  });
}
