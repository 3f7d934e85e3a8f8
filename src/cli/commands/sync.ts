import { defineCommand } from '../command.js';
import { MAX_PUSH_RETRIES, syncTown, type SyncResult } from '../../app/sync.js';

function renderSync(result: SyncResult): string {
  const where = `${result.remote}/${result.remote_ref.replace(/^refs\/heads\//, '')}`;
  const lines: string[] = [];
  if (result.registered_driver) lines.push('Registered the town merge driver in this clone (tt init does this too).');
  if (result.merged === 0) lines.push(`Up to date with ${where}.`);
  else {
    const how = result.merge_commits.length > 0 ? `merge commit ${result.merge_commits.map((c) => c.slice(0, 10)).join(', ')}` : 'fast-forward';
    lines.push(`Merged ${result.merged} commit${result.merged === 1 ? '' : 's'} from ${where} (${how}).`);
  }
  for (const file of result.resolved) lines.push(`Kept the edited version of ${file} (deleted on the other side).`);
  for (const notice of result.notices) lines.push(`${notice.task}: ${notice.winner}'s earlier claim won; told ${notice.loser} (${notice.message}).`);
  lines.push(result.pushed
    ? `Pushed ${result.pushed_commits} commit${result.pushed_commits === 1 ? '' : 's'} of ${result.branch} to ${where}${result.retries ? ` after ${result.retries} rejected push${result.retries === 1 ? '' : 'es'}` : ''}.`
    : 'Nothing to push.');
  return lines.join('\n');
}

export const syncCommand = defineCommand({
  path: ['sync'],
  describe: `Sync the town with other clones through a git remote. This PUSHES THE CURRENT BRANCH (all its commits, code included): it fetches the branch's upstream, merges it (a merge, not a rebase; town files merge field by field through the tt merge driver), tells agents who lost a claim conflict, and pushes. A rejected push is retried after fetching and merging again, at most ${MAX_PUSH_RETRIES} times. Refuses to start during a merge, rebase or with unresolved conflicts`,
  options: {
    remote: { type: 'string', describe: 'The remote to sync with (default: the current branch\'s upstream remote). Where the branch has no upstream on it, the branch of the same name there' },
  },
  examples: [
    ['tt sync', 'fetch, merge and push the current branch to its upstream'],
    ['tt sync --remote origin --json', 'name the remote (a branch with no upstream yet)'],
  ],
  async run(args, cli) {
    const result = await syncTown(cli.op(), { remote: args.remote });
    return { kind: 'sync', payload: { ...result }, text: renderSync(result) };
  },
});
