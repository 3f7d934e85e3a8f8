/**
 * "Something changed in the town": one native watch per town folder (the
 * same FolderWatchers `tt watch` uses, so 100,000 message files cost nothing
 * per file), plus git's reflog folder so a commit or a `git pull` that only
 * moves history is seen too. Changes are gathered for a short moment and
 * handed on as one notice naming the areas that changed; the page then asks
 * again for what it shows.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { FolderWatchers } from '../watch/folder-watchers.js';
import { findGitDir, townPaths } from '../store/paths.js';
import { ensureStateDir } from '../store/state-dir.js';

export type Area = 'agents' | 'tasks' | 'inbox' | 'history' | 'town';

export interface ChangeNotice {
  version: number;
  areas: Area[];
}

/** How long changes are gathered into one notice: a burst of writes is one refresh, well inside a second. */
const GATHER_MS = 60;
/**
 * How often the folders' own mtimes are checked as well. A watch can miss
 * events (an overflowing burst, a folder replaced between two events); a
 * folder whose mtime moved since the last look is a change, heard or not.
 */
const SAFETY_LOOK_MS = 2_000;
const REFLOG = '\0reflog';
/** Agents' run-time states, in the local state folder (store/state-dir.ts), outside the town. */
const AGENT_STATES = '\0agent-states';

function areaOf(relDir: string): Area {
  if (relDir === REFLOG) return 'history';
  if (relDir.startsWith(townPaths.tasksDir)) return 'tasks';
  if (relDir.startsWith(townPaths.inboxRoot)) return 'inbox';
  if (relDir === AGENT_STATES || relDir.startsWith(townPaths.agentsDir)) return 'agents';
  return 'town';
}

export interface ChangeFeedHandlers {
  /** Called at once for every change heard (before it is gathered into a notice), with the folder it was heard in. */
  onHeard?: (area: Area, relDir: string) => void;
  /** Called with each gathered notice. */
  onChange: (notice: ChangeNotice) => void;
  onError: (problem: string) => void;
}

export class TownChangeFeed {
  private readonly folders: FolderWatchers;
  private readonly reflog: FolderWatchers | undefined;
  private readonly states: FolderWatchers;
  private readonly statesDir: string;
  private pending = new Set<Area>();
  private timer: NodeJS.Timeout | undefined;
  private version = 0;
  private started = false;
  private readonly mtimes = new Map<string, bigint>();
  private readonly safetyLook: NodeJS.Timeout;

  constructor(
    private readonly root: string,
    private readonly handlers: ChangeFeedHandlers,
  ) {
    const report = (dir: string, error: Error) => handlers.onError(`cannot watch ${dir}: ${error.message}`);
    this.folders = new FolderWatchers(root, (relDir) => this.changed(relDir), report);
    const gitDir = findGitDir(root);
    // logs/ gets a line on every commit, merge, pull or checkout; its HEAD file is all we need to hear about.
    if (gitDir) {
      this.reflog = new FolderWatchers(gitDir, () => this.changed(REFLOG), report);
      this.reflog.watch('logs');
    }
    // An agent's loop writes its state there as it goes: the board shows it live.
    this.statesDir = ensureStateDir(root, 'agents');
    this.states = new FolderWatchers(path.dirname(this.statesDir), () => this.changed(AGENT_STATES), report);
    this.states.watch(path.basename(this.statesDir));
    this.arm();
    this.lookAtFolders();
    this.started = true;
    this.safetyLook = setInterval(() => this.lookAtFolders(), SAFETY_LOOK_MS);
    this.safetyLook.unref();
  }

  /** The safety net under the watch (see SAFETY_LOOK_MS): one stat per town folder. */
  private lookAtFolders(): void {
    this.arm();
    for (const relDir of [...this.contentFolders(), AGENT_STATES]) {
      let mtimeNs: bigint;
      try {
        mtimeNs = statSync(relDir === AGENT_STATES ? this.statesDir : path.join(this.root, relDir), { bigint: true }).mtimeNs;
      } catch {
        continue;
      }
      const before = this.mtimes.get(relDir);
      this.mtimes.set(relDir, mtimeNs);
      if (before !== undefined && before !== mtimeNs) this.note(relDir);
    }
  }

  get currentVersion(): number {
    return this.version;
  }

  /**
   * Watches every town folder that exists now (new agents' inboxes appear
   * while the page is open). A folder watched for the first time may already
   * hold files (a pull creates tasks/ and its files at once): that is a change.
   */
  private arm(): void {
    for (const dir of ['.tinytown', townPaths.inboxRoot, ...this.contentFolders()]) this.armFolder(dir);
  }

  /** The folders whose entries are the town: agents, tasks, each inbox and its read/. */
  private contentFolders(): string[] {
    let owners: string[] = [];
    try {
      owners = readdirSync(path.join(this.root, townPaths.inboxRoot), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      // no inbox folder yet
    }
    return [townPaths.agentsDir, townPaths.tasksDir, ...owners.flatMap((owner) => [townPaths.inbox(owner), townPaths.readDir(owner)])];
  }

  private armFolder(relDir: string): void {
    if (this.folders.watch(relDir) && this.started) this.note(relDir);
  }

  private changed(relDir: string): void {
    if (relDir === '.tinytown' || relDir === townPaths.inboxRoot || relDir.startsWith(`${townPaths.inboxRoot}/`)) this.arm();
    this.note(relDir);
  }

  private note(relDir: string): void {
    const area = areaOf(relDir);
    this.handlers.onHeard?.(area, relDir);
    this.notify(area);
  }

  /** A change learnt some other way (an agent's process found gone), sent like one the watch heard. */
  notify(area: Area): void {
    this.pending.add(area);
    this.timer ??= setTimeout(() => this.flush(), GATHER_MS);
  }

  private flush(): void {
    this.timer = undefined;
    const areas = [...this.pending];
    this.pending = new Set();
    this.version++;
    this.handlers.onChange({ version: this.version, areas });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    clearInterval(this.safetyLook);
    this.folders.closeAll();
    this.reflog?.closeAll();
    this.states.closeAll();
  }
}
