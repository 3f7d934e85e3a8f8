/**
 * DESIGN §1: a message written by hand into inbox/<agent>/ is taken in by
 * `tt watch` "and any tt command that reads that inbox". `tt watch` follows
 * every edit; a command that reads an inbox takes in what it can recognise at
 * a glance — a Markdown file under a name tt does not give (`note.md`), which
 * only a person or an agent writing by hand creates — before it reads. The
 * taking in is the watcher's own (app/accept.ts): fields filled, renamed to its
 * id, committed; a file it cannot accept is left as it is and reported.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { hasCanonicalName, isScratchName } from '../core/direct-edits.js';
import { townFileAt } from './accept-plan.js';
import { acceptDirectEdits, type AcceptOptions, type AcceptResult } from './accept.js';
import { townPaths } from '../store/paths.js';
import { ScanMemo } from '../store/scan-memo.js';
import type { Town } from '../store/town.js';

/** Hand-named Markdown files in an agent's unread folder (one readdir). */
export function handWrittenMail(town: Town, agent: string): string[] {
  let names: string[];
  try {
    names = readdirSync(path.join(town.root, townPaths.inbox(agent)));
  } catch {
    return [];
  }
  return names
    .filter((name) => name.endsWith('.md') && !isScratchName(name))
    .map((name) => `${townPaths.inbox(agent)}/${name}`)
    .filter((rel) => !hasCanonicalName(townFileAt(rel)));
}

/**
 * Takes in the hand-written mail of these inboxes, if there is any; undefined
 * when there was none. An inbox folder unchanged since a scan found none in it
 * is not listed again (store/scan-memo.ts).
 */
export async function takeInHandWrittenMail(town: Town, agents: readonly string[], options: AcceptOptions): Promise<AcceptResult | undefined> {
  const memo = ScanMemo.open(town.root, 'hand-written-mail');
  const paths = agents.flatMap((agent) => {
    const dir = townPaths.inbox(agent);
    if (memo.unchanged(dir)) return [];
    const found = handWrittenMail(town, agent);
    memo.scanned(dir, found.length === 0);
    return found;
  });
  memo.save();
  return paths.length ? acceptDirectEdits(town, paths, options) : undefined;
}
