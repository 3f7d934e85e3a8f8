import { defineCommand } from '../command.js';
import { UsageError } from '../../errors.js';
import type { TownEvent } from '../../git/log.js';
import { readTownLog } from '../../git/log.js';
import { eventJson } from '../../app/json.js';
import { renderHistory } from '../render.js';
import { ndjson } from './watch.js';

export const eventsCommand = defineCommand({
  path: ['events'],
  describe: 'Town events from git history, oldest first, one line each: messages sent and read, task changes, reviews, '
    + 'approvals, direct edits accepted; --follow keeps printing new ones as commits land',
  options: {
    n: { type: 'number', default: 20, describe: 'How many past events to print first (the newest ones, oldest first; 0 for none)' },
    follow: { type: 'boolean', alias: 'f', describe: 'Keep watching and print new events as they are committed, until Ctrl-C' },
  },
  examples: [
    ['tt events -n 50', 'the last 50 events'],
    ['tt events --follow', 'a live feed of the town (watches git, no polling)'],
    ['tt events -f -n 0 --json', 'only new events, as NDJSON: one {"schemaVersion":1,"kind":"event","action":...} per line'],
  ],
  async run(args, cli) {
    const town = cli.town();
    const limit = args.n;
    if (!Number.isInteger(limit) || limit < 0) throw new UsageError('-n must be a whole number, 0 or more');
    const out = cli.runtime.stdout ?? ((text: string) => void process.stdout.write(text));
    const err = cli.runtime.stderr ?? ((text: string) => void process.stderr.write(text));
    const json = args.json;
    const print = (events: readonly TownEvent[]) => {
      for (const event of events) out(json ? ndjson(eventJson(event)) : `${renderHistory([event])}\n`);
    };
    const follow = await import('../../watch/follow-log.js');
    const head = follow.currentHead(town);
    const past = head && limit > 0 ? await readTownLog({ root: town.root, limit, reverse: true, range: head }) : [];
    print(past);
    if (!args.follow) {
      if (past.length === 0 && !json) out('no town events yet\n');
      return { kind: 'event', payload: {}, text: '', streamed: true };
    }
    const { waitForStopSignal } = await import('../../watch/run-watch.js');
    const stop = new AbortController();
    void waitForStopSignal().then(() => stop.abort());
    await follow.followTownLog(town, {
      since: head, onEvents: print, signal: stop.signal,
      onError: (error) => err(`tt events: ${error.message}\n`),
    });
    return { kind: 'event', payload: {}, text: '', streamed: true };
  },
});
