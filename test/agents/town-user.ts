/**
 * Who runs the town in the real-CLI suite: root (as containers, CI and agent
 * sandboxes do) or an unprivileged user, through `setpriv`. Everything the
 * town's processes start — tt, its agent loops, the agent CLIs, git — runs as
 * that user, so whatever they read must be readable by it: tt and the CLI
 * cache are copied into a world-readable folder when they are not (a CI
 * clone under /root is not).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TownUser {
  /** For the test's name and the report. */
  readonly label: string;
  readonly uid: number;
  readonly gid: number;
  /** The argv prefix that runs a program as this user (empty: as the test itself). */
  readonly prefix: readonly string[];
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** nobody/nogroup on Debian and most Linux: an unprivileged user that always exists. */
const UNPRIVILEGED_ID = 65534;

/** The users this machine can run the town as, and why a variant is missing. */
export function townUsers(): { users: TownUser[]; skipped: string[] } {
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  if (uid !== 0) {
    return {
      users: [{ label: `uid ${uid}`, uid, gid, prefix: [] }],
      skipped: ['root: the suite is not running as root, so it runs the town as its own user only (and cannot switch to another one)'],
    };
  }
  const setpriv = spawnSync('setpriv', ['--version'], { encoding: 'utf8' });
  const unprivileged: TownUser[] = setpriv.status === 0
    ? [{ label: 'unprivileged', uid: UNPRIVILEGED_ID, gid: UNPRIVILEGED_ID, prefix: ['setpriv', `--reuid=${UNPRIVILEGED_ID}`, `--regid=${UNPRIVILEGED_ID}`, '--clear-groups', '--'] }]
    : [];
  return {
    users: [{ label: 'root', uid: 0, gid: 0, prefix: [] }, ...unprivileged],
    skipped: unprivileged.length ? [] : [`unprivileged: setpriv does not run here (${setpriv.error?.message ?? setpriv.stderr.trim()})`],
  };
}

/** Runs a program as the user, with exactly this environment. */
export function runAs(user: TownUser, program: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  const argv = [...user.prefix, program, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? 1, stdout, stderr }); });
  });
}

function readableBy(user: TownUser, file: string): boolean {
  if (user.prefix.length === 0) return true;
  return spawnSync(user.prefix[0]!, [...user.prefix.slice(1), 'test', '-r', file]).status === 0;
}

/** A new folder everyone can enter and read (mkdtemp makes it 0700). */
export function openTempDir(prefix: string): string {
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), prefix)));
  chmodSync(dir, 0o755);
  return dir;
}

/**
 * The folder itself when the user can read `probe` inside it, else a copy in
 * a world-readable temporary folder: hard links where the file system allows
 * (the CLI cache is near a gigabyte), a plain copy where it does not.
 */
export function readableFolder(user: TownUser, folder: string, probe: string, entries: readonly string[], copies: string[]): string {
  if (readableBy(user, path.join(folder, probe))) return folder;
  const parent = openTempDir('tt-agents-readable-');
  copies.push(parent);
  const copy = path.join(parent, path.basename(folder));
  mkdirSync(copy, { mode: 0o755 });
  for (const entry of entries) {
    const from = path.join(folder, entry);
    try {
      execFileSync('cp', ['-al', from, copy], { stdio: 'ignore' });
    } catch {
      rmSync(path.join(copy, entry), { recursive: true, force: true });
      execFileSync('cp', ['-a', from, copy], { stdio: 'ignore' });
    }
  }
  execFileSync('chmod', ['-R', 'a+rX', copy]);
  if (!readableBy(user, path.join(copy, probe))) throw new Error(`${user.label} cannot read ${path.join(copy, probe)} even in a copy`);
  return copy;
}

/** Hands a folder the test made to the user. */
export function giveTo(user: TownUser, folder: string): void {
  if (user.uid === (process.getuid?.() ?? -1)) return;
  execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, folder]);
}
