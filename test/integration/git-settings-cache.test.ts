/**
 * `git var -l` kept between tt writes (app/git-settings-cache.ts): reused
 * while the configuration files and the environment are as they were, listed
 * again the moment either changes, never kept with an include, and the
 * identities' dates always the clock's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gitSettingsCacheFile } from '../../src/app/git-settings-cache.js';
import { git, tempRepo } from '../helpers/repo.js';
import { townWithTeam, tt, ttProcess } from '../helpers/tt.js';

/** The racy window of the one cache rule (store/stat-cache.ts): a config file must be older than this to be kept. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 2_100));

const committer = (dir: string) => git(dir, 'log', '-1', '--format=%cn <%ce>').trim();

/** In-process, or as its own process where the environment git sees must differ. */
async function send(dir: string, text: string, env?: Record<string, string>): Promise<void> {
  const run = env ? await ttProcess(dir, ['send', 'backend', text], env) : await tt(dir, ['send', 'backend', text]);
  expect(run.code, run.stderr).toBe(0);
}

/** Rewrites the kept listing's user.name: a commit made with it proves the listing was reused, not asked again. */
function markKept(dir: string, name: string): void {
  const file = gitSettingsCacheFile(dir);
  const kept = JSON.parse(readFileSync(file, 'utf8')) as { listing: string };
  kept.listing = kept.listing.replace(/^user\.name=.*$/m, `user.name=${name}`).replace(/^GIT_COMMITTER_IDENT=[^<]*</m, `GIT_COMMITTER_IDENT=${name} <`);
  writeFileSync(file, JSON.stringify(kept));
}

describe('git settings kept between writes', () => {
  it('reuses the listing while nothing changed, and lists again when the config or the environment changes', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    await settle();
    await send(dir, 'one');
    expect(committer(dir)).toBe('Test User <test@example.com>');
    markKept(dir, 'Kept Listing');
    await send(dir, 'two');
    expect(committer(dir)).toBe('Kept Listing <test@example.com>');

    // The repository's config changes: its stat differs, git is asked again.
    git(dir, 'config', 'user.name', 'Renamed User');
    await send(dir, 'three');
    expect(committer(dir)).toBe('Renamed User <test@example.com>');

    // The environment changes (GIT_COMMITTER_NAME): git is asked again.
    await settle();
    await send(dir, 'four');
    markKept(dir, 'Kept Listing');
    await send(dir, 'five', { GIT_COMMITTER_NAME: 'From The Environment' });
    expect(committer(dir)).toBe('From The Environment <test@example.com>');
  }, 20_000);

  it('dates each commit with the clock, not the moment the listing was made', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    await settle();
    await send(dir, 'one');
    await send(dir, 'two'); // made with the kept listing
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await send(dir, 'three');
    const [third, second] = git(dir, 'log', '-2', '--format=%ct %at').trim().split('\n').map((line) => line.split(' ').map(Number));
    expect(third![0]).toBeGreaterThan(second![0]!);
    expect(third![1]).toBeGreaterThan(second![1]!);
    const reflogDate = Number(/> (\d+) [+-]\d{4}\t/.exec(readFileSync(`${dir}/.git/logs/HEAD`, 'utf8').trimEnd().split('\n').at(-1)!)![1]);
    expect(reflogDate).toBe(third![0]);
  }, 20_000);

  it('never keeps a listing with an include (an includeIf onbranch: changes with a checkout)', async () => {
    const dir = tempRepo();
    await townWithTeam(dir);
    const included = `${dir}/.git/extra-config`;
    writeFileSync(included, '[user]\n\tname = Included User\n');
    git(dir, 'config', 'includeIf.onbranch:main.path', included);
    await settle();
    await send(dir, 'one');
    expect(committer(dir)).toBe('Included User <test@example.com>');
    git(dir, 'checkout', '-q', '-b', 'other');
    await send(dir, 'two');
    expect(committer(dir)).toBe('Test User <test@example.com>');
    expect(() => readFileSync(gitSettingsCacheFile(dir))).toThrow();
  }, 20_000);
});
