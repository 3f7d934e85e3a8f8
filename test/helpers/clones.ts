/** Several clones of one local bare remote (no network), and ways to compare their towns. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { git, tempRepo } from './repo.js';

/** A bare repository with branch main, living (and cleaned up) inside a temp repo folder. */
export function bareRemote(): string {
  const holder = tempRepo({ initialCommit: false });
  const remote = path.join(holder, 'remote.git');
  git(holder, 'init', '-q', '--bare', '-b', 'main', remote);
  return remote;
}

/** A clone of `remote`'s main with its own identity, tracking origin/main. */
export function cloneOf(remote: string, userName: string): string {
  const dir = tempRepo({ initialCommit: false });
  git(dir, 'config', 'user.name', userName);
  git(dir, 'config', 'user.email', `${userName.toLowerCase().replace(/\W+/g, '-')}@example.com`);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'fetch', '-q', 'origin');
  git(dir, 'reset', '-q', '--hard', 'origin/main');
  git(dir, 'branch', '-q', '--set-upstream-to', 'origin/main');
  return dir;
}

/** Every file under .tinytown/ (an old run/ aside), relative path → content. */
export function townFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const visit = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (child === '.tinytown/run') continue;
      if (entry.isDirectory()) visit(child);
      else files.set(child, readFileSync(path.join(dir, child), 'utf8'));
    }
  };
  visit('.tinytown');
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

const CONFLICT_MARKER = /^(<{7}|={7}|>{7})( |$)/m;

/** Town files holding a git conflict marker line. */
export function filesWithConflictMarkers(dir: string): string[] {
  const found: string[] = [];
  const visit = (rel: string) => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) visit(child);
      else if (CONFLICT_MARKER.test(readFileSync(path.join(dir, child), 'utf8'))) found.push(child);
    }
  };
  visit('.tinytown');
  return found;
}
