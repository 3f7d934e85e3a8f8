// Every test process runs git isolated from the developer's own configuration:
// no system config, an empty global config, so no identity is inherited.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

const home = mkdtempSync(path.join(tmpdir(), 'tt-home-'));
// One per test file: removed when the file is done, not left in /tmp by the thousand.
afterAll(() => rmSync(home, { recursive: true, force: true }));
const globalConfig = path.join(home, 'gitconfig');
writeFileSync(globalConfig, '');
process.env.GIT_CONFIG_NOSYSTEM = '1';
process.env.GIT_CONFIG_GLOBAL = globalConfig;
process.env.HOME = home;
process.env.XDG_CONFIG_HOME = home;
delete process.env.TINYTOWN_AGENT;
delete process.env.TINYTOWN_DIR;
delete process.env.TINYTOWN_TOWN;
delete process.env.GIT_AUTHOR_NAME;
delete process.env.GIT_AUTHOR_EMAIL;
delete process.env.GIT_COMMITTER_NAME;
delete process.env.GIT_COMMITTER_EMAIL;
delete process.env.EMAIL;
