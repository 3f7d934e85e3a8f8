/**
 * `tt completion bash|zsh|fish` loaded into the real shell, completing through
 * the real bin/tt (the built bundle): commands, subcommands, options, agent
 * names and task ids. Each shell's tests are skipped, and say so in their
 * title, only when that shell is not installed (`.ci/run` installs all three).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempRepo } from '../helpers/repo.js';
import { REPO_ROOT, townWithTeam, tt } from '../helpers/tt.js';

type Shell = 'bash' | 'zsh' | 'fish';

function installed(shell: Shell): boolean {
  return spawnSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;
}

/** Single-quoted for bash, zsh and fish alike (the words here hold no quote). */
const quoted = (word: string) => `'${word}'`;

/**
 * The shell code that loads the script and asks for the candidates of the
 * command line `tt <before…> <current>`, one per line.
 * - bash: the completion function with COMP_WORDS/COMP_CWORD as readline sets them.
 * - zsh: compinit registers the script's `compdef`; the completion function then
 *   runs with `words`/`CURRENT` as the completion system sets them, and the
 *   candidates it hands to `compadd` are printed (compadd itself works only
 *   inside a completion widget, which needs a terminal).
 * - fish: `complete -C` completes a command line as the shell would.
 */
function completeIn(shell: Shell, script: string, before: string[], current: string): string {
  const line = ['tt', ...before, current];
  switch (shell) {
    case 'bash':
      return `source ${quoted(script)}
COMP_WORDS=(${line.map(quoted).join(' ')}); COMP_CWORD=${line.length - 1}
_tt_complete
printf '%s\\n' "\${COMPREPLY[@]}"`;
    case 'zsh':
      return `autoload -Uz compinit && compinit -u -D
source ${quoted(script)}
[[ $_comps[tt] == _tt ]] || { print -u2 "compdef did not register _tt for tt"; exit 1 }
compadd() { [[ $1 == -- ]] && shift; print -rl -- "$@" }
_files() { print -r -- '<files>' }
words=(${line.map(quoted).join(' ')}); CURRENT=${line.length}
_tt`;
    case 'fish':
      return `source ${quoted(script)}
complete -C ${quoted(line.join(' '))}`;
  }
}

for (const shell of ['bash', 'zsh', 'fish'] as const) {
  const present = installed(shell);
  describe.skipIf(!present)(`tt completion ${shell} in a real ${shell}${present ? '' : ` (skipped: ${shell} is not installed here; apt-get install ${shell})`}`, () => {
    let dir: string;
    let script: string;
    let taskId: string;
    beforeAll(async () => {
      dir = tempRepo({ lifetime: 'suite' });
      await townWithTeam(dir);
      taskId = (await tt(dir, ['assign', 'backend', 'Build the API', '--json'])).json<{ task: { id: string } }>().task.id;
      const run = await tt(dir, ['completion', shell]);
      expect(run.code).toBe(0);
      script = path.join(dir, `tt-completion.${shell}`);
      writeFileSync(script, run.stdout);
    }, 60_000);

    const candidates = (before: string[], current: string): string[] => {
      const run = spawnSync(shell, ['-c', completeIn(shell, script, before, current)], {
        cwd: dir,
        encoding: 'utf8',
        // HOME: no user's rc files or fish history; PATH: the real bin/tt first
        env: { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, '.config'), PATH: `${path.join(REPO_ROOT, 'bin')}${path.delimiter}${process.env.PATH ?? ''}` },
        timeout: 60_000,
      });
      expect(run.stderr, `${shell}: tt ${[...before, current].join(' ')}`).toBe('');
      expect(run.status).toBe(0);
      // fish adds a description after a tab when there is one; tt gives none
      return run.stdout.split('\n').map((l) => l.split('\t')[0]!).filter(Boolean).sort();
    };

    it('completes commands and subcommands', () => {
      expect(candidates([], 'se')).toEqual(['search', 'send']);
      expect(candidates(['task'], 're')).toEqual(['reassign', 'requeue']);
    }, 60_000);

    it('completes options and their choices', () => {
      expect(candidates(['task', 'list'], '--t')).toEqual(['--tag', '--town']);
      expect(candidates(['task', 'edit', 'x', '--priority'], '')).toEqual(['high', 'low', 'normal', 'urgent']);
    }, 60_000);

    it('completes agent names and task ids from the town', () => {
      expect(candidates(['send'], 'b')).toEqual(['backend']);
      expect(candidates(['send', '--urgent'], 're')).toEqual(['reviewer']);
      expect(candidates(['task', 'show'], '')).toEqual([taskId]);
      expect(candidates(['task', 'reassign', taskId], 'fr')).toEqual(['frontend']);
    }, 60_000);

    it('offers nothing of its own where tt has no words (the shell may complete files)', () => {
      const none = candidates(['nosuch'], '');
      expect(none.filter((word) => word !== '<files>')).toEqual([]);
    }, 60_000);
  });
}
