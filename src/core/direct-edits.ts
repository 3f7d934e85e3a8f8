/**
 * The pure part of taking in direct edits (DESIGN §1): which town files a
 * path names, which names are editors' scratch files, where a field sits in a
 * file (for "file:line" reports), and how a hand-written message is completed.
 */
import { MESSAGE_ID_PATTERN, TASK_ID_PATTERN } from './ids.js';
import { AGENT_NAME_PATTERN } from './names.js';

export type TownFile =
  /** `inbox/<folder>/<name>.md`: an unread message, or one dropped there by hand. */
  | { kind: 'message'; folder: string; name: string }
  /** `inbox/<folder>/read/<name>.md`. */
  | { kind: 'read-message'; folder: string; name: string }
  | { kind: 'task'; name: string }
  | { kind: 'agent'; name: string }
  | { kind: 'other' };

/**
 * Editors' and tools' scratch files, never town files: dot-files (tt's own
 * temp files, vim's .swp, emacs' .#lock), backups ending in `~`, vim's `4913`
 * write probe, emacs' `#autosave#`, JetBrains' `___jb_tmp___`/`___jb_old___`,
 * and `.tmp`/`.swp`/`.swx`/`.bak` suffixes.
 */
export function isScratchName(name: string): boolean {
  return name.startsWith('.')
    || name.endsWith('~')
    || name === '4913'
    || /^#.*#$/.test(name)
    || /___jb_(tmp|old)___$/.test(name)
    || /\.(tmp|swp|swx|swo|bak)$/i.test(name);
}

/** Classifies a path relative to `.tinytown/` ("/" separators). Anything not a town Markdown file is `other`. */
export function classifyTownFile(relInTown: string): TownFile {
  const parts = relInTown.split('/');
  const file = parts[parts.length - 1] ?? '';
  if (!file.endsWith('.md') || isScratchName(file)) return { kind: 'other' };
  const name = file.slice(0, -3);
  const [top, second, third] = parts;
  if (top === 'inbox' && second && AGENT_NAME_PATTERN.test(second)) {
    if (parts.length === 3) return { kind: 'message', folder: second, name };
    if (parts.length === 4 && third === 'read') return { kind: 'read-message', folder: second, name };
  }
  if (top === 'tasks' && parts.length === 2) return { kind: 'task', name };
  if (top === 'agents' && parts.length === 2) return { kind: 'agent', name };
  return { kind: 'other' };
}

/** True when `file` has the name tt itself gives such a file (a message id, a task id, an agent name). */
export function hasCanonicalName(file: TownFile): boolean {
  switch (file.kind) {
    case 'message':
    case 'read-message':
      return MESSAGE_ID_PATTERN.test(file.name);
    case 'task':
      return TASK_ID_PATTERN.test(file.name);
    case 'agent':
      return AGENT_NAME_PATTERN.test(file.name);
    case 'other':
      return false;
  }
}

/** The 1-based line of `field:` in a file's frontmatter, or undefined when the key is not there. */
export function fieldLine(text: string, field: string): number | undefined {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  if (lines[0]?.replace(/^\uFEFF/, '') !== '---') return undefined;
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!;
    if (line === '---') return undefined;
    if (line.startsWith(`${field}:`)) return index + 1;
  }
  return undefined;
}

export interface MessageDefaults {
  /** The agent whose inbox folder the file was dropped in. */
  to: string;
  /** ISO timestamp for a missing `created`. */
  created: string;
  /** Makes an id for a file without one. */
  newId: () => string;
}

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/** Fills what a hand-written message may leave out: `id`, `to`, `created`, and `type` (default `task`). */
export function completeMessageFields(data: Readonly<Record<string, unknown>>, defaults: MessageDefaults): Record<string, unknown> {
  const completed: Record<string, unknown> = { ...data };
  if (isUnset(completed.id)) completed.id = defaults.newId();
  if (isUnset(completed.to)) completed.to = defaults.to;
  if (isUnset(completed.created)) completed.created = defaults.created;
  if (isUnset(completed.type)) completed.type = 'task';
  return completed;
}
