/**
 * One native fs.watch per town folder. A folder's events name the entry that
 * changed, so a town of 100,000 message files costs one watch per folder and
 * nothing per file; chokidar would hold a watcher per file and re-read (and
 * stat) the whole folder on every change.
 */
import { lstatSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** `name` is null when the platform could not say which entry changed. */
export type FolderEventHandler = (relDir: string, name: string | null) => void;

export class FolderWatchers {
  private readonly watchers = new Map<string, { watcher: FSWatcher; ino: number }>();

  constructor(
    private readonly root: string,
    private readonly onEvent: FolderEventHandler,
    private readonly onError: (relDir: string, error: Error) => void,
  ) {}

  /**
   * Watches `relDir` if it is a real folder (never a symlink: tt does not follow
   * them), re-arming when the folder was replaced. Returns true when the
   * folder is newly watched, false when it already was or is not a folder.
   */
  watch(relDir: string): boolean {
    let ino: number;
    try {
      const stat = lstatSync(path.join(this.root, relDir));
      if (!stat.isDirectory()) {
        this.unwatch(relDir);
        return false;
      }
      ino = stat.ino;
    } catch {
      this.unwatch(relDir);
      return false;
    }
    if (this.watchers.get(relDir)?.ino === ino) return false;
    this.unwatch(relDir);
    try {
      const watcher = watch(path.join(this.root, relDir), { persistent: true }, (_type, name) => {
        this.onEvent(relDir, name === null || name === undefined ? null : String(name));
      });
      // A folder that is deleted ends its watch; its parent's watch re-arms it if it comes back.
      watcher.on('error', () => this.unwatch(relDir));
      this.watchers.set(relDir, { watcher, ino });
      return true;
    } catch (error) {
      this.onError(relDir, error as Error);
      return false;
    }
  }

  isWatched(relDir: string): boolean {
    return this.watchers.has(relDir);
  }

  unwatch(relDir: string): void {
    for (const [dir, entry] of this.watchers) {
      if (dir === relDir || dir.startsWith(`${relDir}/`)) {
        entry.watcher.close();
        this.watchers.delete(dir);
      }
    }
  }

  closeAll(): void {
    for (const entry of this.watchers.values()) entry.watcher.close();
    this.watchers.clear();
  }

  get size(): number {
    return this.watchers.size;
  }
}
