/**
 * Town history, read back from commit trailers (`git log --format=%(trailers)`).
 *
 * A direct spawn, not simple-git's log: measured side by side (`tt history -n 20`,
 * bundled, median of 21 alternating runs each, this 2-core machine under load),
 * 388–400 ms direct against 468–480 ms through simple-git — its import alone
 * costs more than the git call, and `tt history`, `tt events`, `tt task show`
 * and the board read history far more often than `tt sync` runs. git's own
 * `--format` with `%(trailers)` already gives one typed field per placeholder.
 */
import { GitError } from '../errors.js';
import { runTask, type GitTask } from './task.js';

export interface TownEvent {
  commit: string;
  time: string;
  author: string;
  subject: string;
  action: string;
  agent: string;
  task: string | null;
  messages: string[];
  reviewedBy: string | null;
  /** The subject without its `tt(agent): action` prefix. */
  summary: string;
  trailers: Record<string, string[]>;
}

export interface LogOptions {
  root: string;
  limit?: number | undefined;
  agent?: string | undefined;
  task?: string | undefined;
  /** A revision range such as `main..HEAD`; default: HEAD. */
  range?: string | undefined;
  /** Oldest first instead of newest first. */
  reverse?: boolean;
}

const FIELD = '\x1f';
const RECORD = '\x1e';

function escapeGrep(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function parseTrailers(block: string): Record<string, string[]> {
  const trailers: Record<string, string[]> = {};
  for (const line of block.split('\n')) {
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line.trim());
    if (match) (trailers[match[1]!] ??= []).push(match[2]!);
  }
  return trailers;
}

export function parseLogRecord(record: string): TownEvent | undefined {
  const [commit, time, author, subject, trailerBlock] = record.replace(/^\n+/, '').split(FIELD);
  if (!commit || !subject) return undefined;
  const trailers = parseTrailers(trailerBlock ?? '');
  const action = trailers['Tinytown-Action']?.[0];
  if (!action) return undefined;
  const agent = trailers['Tinytown-Agent']?.[0] ?? author ?? '';
  return {
    commit, time: time ?? '', author: author ?? '', subject, action, agent,
    task: trailers['Tinytown-Task']?.[0] ?? null,
    messages: trailers['Tinytown-Message'] ?? [],
    reviewedBy: trailers['Reviewed-by']?.[0] ?? null,
    summary: subject.replace(/^tt\([^)]*\):\s*\S+\s*/, ''),
    trailers,
  };
}

export function townLogTask(options: Omit<LogOptions, 'root'>): GitTask<TownEvent[]> {
  const args = [
    'log', `--format=%H${FIELD}%aI${FIELD}%an${FIELD}%s${FIELD}%(trailers:only,unfold)${RECORD}`,
    '--grep', '^Tinytown-Action: ', '--all-match',
  ];
  if (options.agent) args.push('--grep', `^Tinytown-Agent: ${escapeGrep(options.agent)}$`);
  if (options.task) args.push('--grep', `^Tinytown-Task: ${escapeGrep(options.task)}$`);
  if (options.limit !== undefined) args.push('-n', String(options.limit));
  if (options.reverse) args.push('--reverse');
  args.push(options.range ?? 'HEAD', '--');
  return {
    args,
    okExitCodes: [128],
    parse: ({ stdout, stderr, exitCode }) => {
      if (exitCode !== 0) {
        // No commits yet (unborn HEAD) is an empty history; anything else (a bad range) is an error.
        if (!options.range && /does not have any commits|unknown revision/.test(stderr)) return [];
        throw new GitError(`git log failed: ${stderr.trim().split('\n')[0]}`, args, stderr);
      }
      return stdout.split(RECORD).map(parseLogRecord).filter((event): event is TownEvent => event !== undefined);
    },
  };
}

export function readTownLog(options: LogOptions): Promise<TownEvent[]> {
  return runTask(options.root, townLogTask(options));
}
