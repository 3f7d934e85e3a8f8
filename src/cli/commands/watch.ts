import { defineCommand } from '../command.js';
import { envelopeLine } from '../../app/json.js';
import type { WatchEvent } from '../../watch/town-watcher.js';

/** The lines `tt watch` prints: what it did on stdout, what it could not do on stderr. */
export function renderWatchEvent(event: WatchEvent): { text: string; stderr: boolean } {
  const commit = 'commit' in event && event.commit !== 'committed'
    ? ` [${event.commit === 'disabled' ? 'not committed: git.auto_commit is false' : event.commit === 'deferred' ? 'commit deferred' : 'nothing to commit'}]`
    : '';
  switch (event.action) {
    case 'accept':
      switch (event.what) {
        case 'message':
          return { text: `accepted ${event.original} as ${event.path} (message from ${event.from} to ${event.to})${commit}`, stderr: false };
        case 'task': {
          const change = event.previous_state === null ? `new task ${event.task}`
            : event.previous_state === event.state ? `${event.task} edited` : `${event.task} ${event.previous_state} → ${event.state}`;
          return { text: `accepted ${event.path} (${change}, by ${event.agent})${commit}`, stderr: false };
        }
        case 'read-message':
          return { text: `accepted ${event.path} (${event.message} marked read, by ${event.agent})${commit}`, stderr: false };
        case 'deletion':
          return { text: `accepted the deletion of ${event.path} (by ${event.agent})${commit}`, stderr: false };
      }
      break;
    case 'refuse':
      return { text: `tt watch: cannot take in ${event.path}${event.line ? `:${event.line}` : ''}: ${event.problem} (left as it is, not committed)`, stderr: true };
    case 'report':
      return { text: `reported ${event.path} to the conductor (message ${event.message})${commit}`, stderr: false };
    case 'waiting':
      return { text: `tt watch: waiting: ${event.reason}`, stderr: true };
    case 'note':
      return { text: `tt watch: ${event.note}`, stderr: true };
    case 'error':
      return { text: `tt watch: ${event.problem}`, stderr: true };
  }
}

export function ndjson(record: Record<string, unknown>): string {
  return envelopeLine('event', record);
}

export const watchCommand = defineCommand({
  path: ['watch'],
  describe: 'Take in hand edits of .tinytown/ as commits: a file dropped into inbox/<agent>/ with a "from:" line in its '
    + 'frontmatter becomes a message (id, to, created, type filled in; renamed to <id>.md; committed as its sender); edited '
    + 'task files and deletions are checked and committed. A file that cannot be taken in is left as it is and reported '
    + '(stderr, conductor\'s inbox). One per town; runs until Ctrl-C',
  options: {
    once: { type: 'boolean', describe: 'Take in what is pending now (new, edited and deleted town files), then exit: for cron, git hooks and scripts' },
  },
  examples: [
    ['tt watch', 'one line per file taken in (stdout) or refused (stderr)'],
    ['printf -- "---\\nfrom: reviewer\\n---\\nFix it\\n" > .tinytown/inbox/backend/x.md', 'becomes inbox/backend/<id>.md, committed as reviewer'],
    ['tt watch --json', 'NDJSON: one {"schemaVersion":1,"kind":"event","action":"accept",...} per line'],
    ['tt watch --once', 'catch up once and exit (exit 1 when a file could not be taken in, or while another tt watch runs)'],
  ],
  async run(args, cli) {
    const ctx = cli.op();
    const out = cli.runtime.stdout ?? ((text: string) => void process.stdout.write(text));
    const err = cli.runtime.stderr ?? ((text: string) => void process.stderr.write(text));
    const json = args.json;
    const refusalsShown = new Set<string>();
    let refused = false;
    const emit = (event: WatchEvent) => {
      const { text, stderr } = renderWatchEvent(event);
      if (event.action === 'refuse') {
        refused = true;
        // Once per version of a file and run: a file that stays broken is not repeated on every event.
        const key = `${event.path}\0${event.version}`;
        if (refusalsShown.has(key)) return;
        refusalsShown.add(key);
      }
      if (json) out(ndjson(event));
      if (stderr) err(`${text}\n`);
      else if (!json) out(`${text}\n`);
    };
    const { runWatch } = await import('../../watch/run-watch.js');
    const signal = await runWatch(ctx.town, {
      actor: ctx.actor, now: ctx.now, once: Boolean(args.once), onEvent: emit,
      onReady: () => {
        if (json) out(ndjson({ action: 'watch', town: ctx.town.dir, pid: process.pid }));
        else out(`watching ${ctx.town.dir} (pid ${process.pid}); Ctrl-C stops\n`);
      },
    });
    if (signal) {
      if (json) out(ndjson({ action: 'stop', signal }));
      else out(`stopped (${signal})\n`);
    }
    // --once is for scripts and hooks: a file left untaken is a failure they should see.
    return { kind: 'event', payload: {}, text: '', streamed: true, exitCode: args.once && refused ? 1 : 0 };
  },
});
