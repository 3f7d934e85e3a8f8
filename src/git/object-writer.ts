/**
 * How a write's new objects reach the object store (commit-builder.ts): the
 * blobs, the trees and the commit are written by tt itself as loose objects
 * (loose-objects.ts), after one `git var -l` for the settings and identities
 * that decide their bytes (commit-settings.ts). Where tt would not write what
 * git writes, git does, as the commit path did before, with the same argv:
 *
 * - a signed commit (commit.gpgSign): `commit-tree -S`, git's signing;
 * - a commit whose bytes tt does not reproduce: i18n.commitEncoding other
 *   than UTF-8 (git adds an `encoding` header), text git's UTF-8 check would
 *   rewrite, an author name outside tt's agent names: `commit-tree`;
 * - every object, where their files must differ from a plain loose object:
 *   core.sharedRepository (group permissions), extensions.compatObjectFormat
 *   (a second hash of each object), GIT_OBJECT_DIRECTORY.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GitError } from '../errors.js';
import { booleanSetting, commitBody, commitSettingsTask, committerOf, fsyncLooseObjects, identDate, keptAsIs, lastValue, strictCommitterTask, type CommitSettings } from './commit-settings.js';
import { objectsDirectory } from './git-dir.js';
import { authorIdent, CONFIGURED_IDENTITY_ONLY, FALLBACK_COMMITTER, identityEnv } from './identity.js';
import { writeLooseObject, type LooseObjectStore } from './loose-objects.js';
import { runTask, type GitTask } from './task.js';
import { blobId, type ObjectFormat } from './trees.js';

// ── the git tasks, where git writes (argv unit-tested in test/unit/git-commands.test.ts)

/** Blobs of work-tree files, exactly as they are (no filters: tt's files are its canonical text); ids in order. */
export const writeFileBlobsTask = (paths: readonly string[]): GitTask<string[]> => ({
  args: ['hash-object', '-w', '--no-filters', '--stdin-paths'],
  input: paths.map((file) => `${file}\n`).join(''),
  blocking: true,
  parse: (result) => result.stdout.split('\n').filter(Boolean),
});

/** One blob from text. */
export const writeBlobTask = (content: string): GitTask<string> => ({
  args: ['hash-object', '-w', '--no-filters', '--stdin'],
  input: content,
  blocking: true,
  parse: (result) => result.stdout.trim(),
});

/** Trees from `mktree -z` records, each tree ended by an empty record; answers their ids in order. */
export const writeTreesTask = (records: string): GitTask<string[]> => ({
  args: ['mktree', '-z', '--batch'],
  input: records,
  blocking: true,
  parse: (result) => result.stdout.split('\n').filter(Boolean),
});

/**
 * `git commit-tree` (2.39) does not read `commit.gpgSign` as `git commit`
 * does, so the setting (from `git var -l`) is passed as -S: the signing key
 * and program are git's own settings (user.signingKey, gpg.*).
 */
export const commitTreeTask = (tree: string, parent: string | undefined, message: string, env: Record<string, string>, sign = false): GitTask<string> => ({
  args: [...CONFIGURED_IDENTITY_ONLY, 'commit-tree', ...(sign ? ['-S'] : []), tree, ...(parent ? ['-p', parent] : [])],
  input: message,
  env,
  blocking: true,
  parse: (result) => result.stdout.trim(),
});

// ── the writer

export interface ObjectPlace {
  /** The work tree's top: git's cwd. */
  top: string;
  gitDir: string;
  format: ObjectFormat;
  /** git's settings from somewhere cheaper than a `git var -l` each time (app/git-settings-cache.ts); else git is asked. */
  loadSettings?: () => Promise<CommitSettings>;
}

/** A new tree: its id (computed by trees.ts), its raw body, and the same as `mktree -z` records. */
export interface NewTree {
  id: string;
  body: Buffer;
  records: string;
}

export interface ObjectWriter {
  /** git's settings and identities the objects were written under (the HEAD move's reflog uses them too). */
  settings: CommitSettings;
  /** Writes the blob of each text (a text's id is its blobId). */
  writeBlobs(texts: ReadonlyMap<string, string>, files: ReadonlyMap<string, string>): Promise<void>;
  /** Writes the trees (children before parents). */
  writeTrees(trees: readonly NewTree[]): Promise<void>;
  /** Writes the commit; answers its id. */
  writeCommit(tree: string, parent: string | undefined, message: string, author: string): Promise<string>;
}

/** tt's agent names (core/names.ts) and anything else git would keep as it is in an identity. */
const PLAIN_AUTHOR = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

function isMissingIdentity(error: unknown): boolean {
  return error instanceof GitError && /Please tell me who you are|auto-detection is disabled|empty ident|unable to auto-detect/i.test(error.stderr);
}

/** The loose-object store tt writes to itself, or undefined where git must write (see the header). */
function looseStore(place: ObjectPlace, settings: CommitSettings): LooseObjectStore | undefined {
  if (process.env.GIT_OBJECT_DIRECTORY) return undefined;
  if (settings.config.has('extensions.compatobjectformat')) return undefined;
  const shared = lastValue(settings, 'core.sharedrepository');
  if (shared !== undefined && !(shared !== null && /^(false|no|off|umask|0)$/i.test(shared))) return undefined;
  return { dir: objectsDirectory(place.gitDir), format: place.format, fsync: fsyncLooseObjects(settings) };
}

const isUtf8 = (encoding: string | null | undefined) => encoding === undefined || (typeof encoding === 'string' && /^utf-?8$/i.test(encoding));

/** Reads the settings (one `git var -l`, a strict identity question only where the listing cannot tell) and answers a writer. */
export async function openObjectWriter(place: ObjectPlace): Promise<ObjectWriter> {
  const settings = place.loadSettings ? await place.loadSettings() : await runTask(place.top, commitSettingsTask());
  const sign = booleanSetting(settings, 'commit.gpgsign');
  let answer = committerOf(settings, process.env);
  if (answer.kind === 'ask') {
    const ident = await runTask(place.top, strictCommitterTask());
    answer = ident ? { kind: 'configured', ident } : { kind: 'missing' };
  }
  let configured = answer.kind === 'configured';
  const committer = answer.kind === 'configured'
    ? answer.ident
    : `${FALLBACK_COMMITTER.GIT_COMMITTER_NAME} <${FALLBACK_COMMITTER.GIT_COMMITTER_EMAIL}> ${identDate(settings.committerIdent)}`;
  const store = looseStore(place, settings);
  const plainCommits = store !== undefined && !sign && isUtf8(lastValue(settings, 'i18n.commitencoding'));

  const commitTree = async (tree: string, parent: string | undefined, message: string, author: string): Promise<string> => {
    const attempt = () => runTask(place.top, commitTreeTask(tree, parent, message, identityEnv(author, configured), sign));
    try {
      return await attempt();
    } catch (error) {
      // Configured by the listing, refused by git: git's own word wins, as it did before.
      if (!configured || !isMissingIdentity(error)) throw error;
      configured = false;
      return attempt();
    }
  };

  return {
    settings,
    async writeBlobs(texts, files) {
      if (store) {
        for (const text of texts.values()) writeLooseObject(store, 'blob', Buffer.from(text, 'utf8'));
        return;
      }
      await writeBlobsWithGit(place, texts, files);
    },
    async writeTrees(trees) {
      if (trees.length === 0) return;
      if (store) {
        for (const tree of trees) writeLooseObject(store, 'tree', tree.body);
        return;
      }
      const written = await runTask(place.top, writeTreesTask(trees.map((tree) => `${tree.records}\0`).join('')));
      if (written.join() !== trees.map((tree) => tree.id).join()) throw new GitError(`git built other trees than expected (${written.join(', ')})`, ['mktree'], '');
    },
    async writeCommit(tree, parent, message, author) {
      if (plainCommits && PLAIN_AUTHOR.test(author) && keptAsIs(message)) {
        return writeLooseObject(store, 'commit', commitBody(tree, parent, `${authorIdent(author)} ${settings.authorDate}`, committer, message));
      }
      return commitTree(tree, parent, message, author);
    },
  };
}

/** Where git writes the blobs: from the work-tree files that hold exactly the text (one process), the others from the text. */
async function writeBlobsWithGit(place: ObjectPlace, texts: ReadonlyMap<string, string>, files: ReadonlyMap<string, string>): Promise<void> {
  const done = new Set<string>();
  const fromDisk = [...files.entries()].filter(([id, file]) => {
    try {
      return blobId(readFileSync(path.join(place.top, file)), place.format) === id;
    } catch {
      return false; // gone from the work tree (a stash, a reset): written from the journal's text below
    }
  });
  if (fromDisk.length > 0) {
    const answers = await runTask(place.top, writeFileBlobsTask(fromDisk.map(([, file]) => file)));
    fromDisk.forEach(([id], i) => {
      if (answers[i] === id) done.add(id);
    });
  }
  for (const [id, text] of texts) {
    if (done.has(id)) continue;
    const written = await runTask(place.top, writeBlobTask(text));
    if (written !== id) throw new GitError(`git stored a blob as ${written}, expected ${id}`, ['hash-object'], '');
  }
}
