/**
 * The tasks' search view (search.ts): one line per task, cached with the
 * tasks, fields separated by tabs and escaped as the message index escapes
 * them (tabs, newlines and backslashes). A search decodes only the lines
 * whose bytes hold the needle, and of those only what it asks for: the fields
 * that filter, sort and show a hit are cut out of the line on demand.
 */
import type { Task } from '../core/types.js';
import { escapeField, unescapeField } from '../store/message-index.js';

/** The view's id (a new one when the line changes shape). */
export const TASK_LINES_VIEW = 'search-lines-v4';

/**
 * Where each field is in a line: what filters, sorts and shows a hit, then
 * title, result and description lower-cased, as the needle is. Title and
 * result are also kept as written, so that a hit in either reads no file (50
 * hits shown read 50 files, about 8 ms); a hit in a description reads its task
 * for the text as written.
 */
export const FIELD = {
  id: 0, state: 1, priority: 2, assignee: 3, reviewer: 4, created: 5, tags: 6, title: 7, result: 8,
  searchedTitle: 9, searchedResult: 10, searchedDescription: 11,
} as const;
const FIELDS = 12;
type Field = (typeof FIELD)[keyof typeof FIELD];

/** A task's line in the view: a scan of the view's bytes finds the needle without decoding or lower-casing 10,000 tasks. */
export function taskLine(task: Task): string {
  const result = task.result ?? '';
  const fields = [task.id, task.state, task.priority, task.assignee ?? '', task.reviewer ?? '', task.created, task.tags.join(','), task.title, result,
    task.title.toLowerCase(), result.toLowerCase(), task.body.toLowerCase()];
  return `${fields.map(escapeField).join('\t')}\n`;
}

/**
 * A line of the view, read field by field. A search reads every line its
 * needle hits (1,250 at 10,000 tasks for a word in every failed task's
 * reason); splitting each into its twelve fields made 15,000 strings, about 15
 * ms in a fresh process, where finding the tabs took 2 ms: so only the fields
 * asked for are cut out, and a field with no escape in it is compared where
 * it is.
 */
export class TaskLine {
  /** starts[i]: where field i begins; starts[FIELDS]: one past the line's end (each field ends one before the next begins). */
  private readonly starts = new Int32Array(FIELDS + 1);
  private text = '';

  constructor(text: string) {
    this.read(text);
  }

  /** Reads another line into this object (a loop over every hit needs no object per line). */
  read(text: string): this {
    this.text = text;
    let at = 0;
    for (let i = 0; i < FIELDS; i++) {
      this.starts[i] = at;
      const tab = i === FIELDS - 1 ? -1 : text.indexOf('\t', at);
      at = tab < 0 ? text.length + 1 : tab + 1;
    }
    this.starts[FIELDS] = Math.max(at, text.length + 1);
    return this;
  }

  /** Where field i begins, and where it ends (a field missing from a damaged line is empty at the line's end). */
  private start(i: Field): number {
    return Math.min(this.starts[i]!, this.text.length);
  }

  private end(i: Field): number {
    return Math.min(this.starts[i + 1]! - 1, this.text.length);
  }

  private raw(i: Field): string {
    return this.text.slice(this.start(i), this.end(i));
  }

  /** The field as written in the task (unescaped); '' when the line has no such field. */
  field(i: Field): string {
    return unescapeField(this.raw(i));
  }

  /** Whether no escape is in the field: then it is in the line as it is in the task. */
  private plain(i: Field): boolean {
    return this.text.lastIndexOf('\\', this.end(i) - 1) < this.start(i);
  }

  /** Whether the field is `value` (an unescaped text), compared where it is when it can be. */
  is(i: Field, value: string): boolean {
    const start = this.start(i);
    if (this.plain(i)) return this.end(i) - start === value.length && this.text.startsWith(value, start);
    return this.field(i) === value;
  }

  /**
   * Whether the field holds the needle (lower case; `escapedNeedle` is
   * escapeField(needle)). Escaping maps each character on its own, so a text
   * holds the needle only if the escaped text holds the escaped needle; the
   * converse can fail across an escape (an escaped backslash and "n" hold an
   * escaped newline), so a field with escapes in it is decoded to be sure.
   */
  holds(i: Field, needle: string, escapedNeedle: string): boolean {
    const start = this.start(i);
    const end = this.end(i);
    const at = this.text.indexOf(escapedNeedle, start);
    if (at < 0 || at + escapedNeedle.length > end) return false;
    return this.plain(i) || this.field(i).includes(needle);
  }
}
