/**
 * The file operations of one town change, collected while the change is
 * decided and applied only after it is journaled (transaction.ts). Every path
 * is checked when it is named, so a change that cannot write all its files
 * writes none; every file within the size every reader accepts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ValidationError } from '../errors.js';
import { assertWritablePath, moveFile, removeFile, writeFileAtomic } from '../store/fs-safe.js';
import { MAX_TOWN_FILE_BYTES } from '../store/town-file.js';
import { readText, type JournalChange } from './journal.js';

/**
 * Collects the file operations of one change. They are applied only after the
 * change is journaled, so a crash at any point leaves either nothing or a
 * journal entry the next command completes.
 */
export class TownWriter {
  private readonly operations: Array<() => void> = [];
  /** The new text of each path this writer wrote, moved or removed (null), in order: what the journal records. */
  private readonly planned = new Map<string, string | null | { movedFrom: string }>();
  readonly touched: string[] = [];
  readonly created: string[] = [];
  constructor(readonly root: string) {}

  write(rel: string, content: string): void {
    // What a writer accepts a reader can read: one limit for both (a larger file would be committed, then skipped by every reader).
    const bytes = Buffer.byteLength(content);
    if (bytes > MAX_TOWN_FILE_BYTES) {
      throw new ValidationError(`${rel} would be ${bytes} bytes; a town file holds at most ${MAX_TOWN_FILE_BYTES} (put long text in a file of the repository and refer to it)`, rel);
    }
    assertWritablePath(this.root, rel);
    if (!existsSync(path.join(this.root, rel))) this.created.push(rel);
    this.touched.push(rel);
    this.planned.set(rel, content);
    this.operations.push(() => writeFileAtomic(this.root, rel, content));
  }

  move(fromRel: string, toRel: string): void {
    assertWritablePath(this.root, fromRel);
    assertWritablePath(this.root, toRel);
    this.touched.push(fromRel, toRel);
    this.created.push(toRel);
    this.planned.set(toRel, this.planned.has(fromRel) ? this.planned.get(fromRel)! : { movedFrom: fromRel });
    this.planned.set(fromRel, null);
    this.operations.push(() => moveFile(this.root, fromRel, toRel));
  }

  remove(rel: string): void {
    assertWritablePath(this.root, rel);
    this.touched.push(rel);
    this.planned.set(rel, null);
    this.operations.push(() => removeFile(this.root, rel));
  }

  /**
   * Every touched path with its text after the change (null: gone). A path
   * only named in `touched` (a direct edit taken in as it is) has the text
   * the work tree holds now, inside the lock.
   */
  changes(): JournalChange[] {
    return [...new Set(this.touched)].map((rel) => {
      const planned = this.planned.has(rel) ? this.planned.get(rel)! : { movedFrom: rel };
      return { path: rel, content: typeof planned === 'object' && planned !== null ? readText(this.root, planned.movedFrom) : planned };
    });
  }

  apply(): void {
    for (const operation of this.operations.splice(0)) operation();
  }
}
