/**
 * Many records in one commit: agents, tasks and messages written to the work
 * tree and committed together, for seeding a big town (the benchmark's towns
 * of 100,000 messages, a demo, an import from another tool).
 *
 * A transaction per record would be a commit per record, and `git add` of
 * 100,000 new files writes 100,000 loose objects; so the commit is built by
 * `git fast-import` as one pack, on top of the branch's tip, while the same
 * files are written to the work tree many at a time, and the index is then
 * given exactly those paths.
 *
 * It is not a coordination change: no journal and no fsync per file (the
 * files are new, and an interrupted import is redone, not resumed). It holds
 * the town lock, so no tt write interleaves, and refuses to replace any file.
 * The commit is not recorded as tt's own last commit: the next tt write checks
 * it as it checks anyone's commit (it only adds files, so nothing is restored).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, UsageError, ValidationError } from '../errors.js';
import { MESSAGE_ID_PATTERN, TASK_ID_PATTERN } from '../core/ids.js';
import { validateAgentName } from '../core/names.js';
import type { Agent, Message, Task } from '../core/types.js';
import { messageParagraphs } from '../git/commit.js';
import { AGENT_EMAIL_DOMAIN } from '../git/identity.js';
import { fastImportTask, headRefTask, objectFormatTask, refreshIndexTask, setIndexEntriesTask, verifyCommitTask } from '../git/repo.js';
import { runTask } from '../git/task.js';
import { blobId } from '../git/trees.js';
import { ensureDir } from '../store/fs-safe.js';
import { acquireLock } from '../store/lock.js';
import { townPaths } from '../store/paths.js';
import { statePaths } from '../store/state-dir.js';
import { formatAgent, formatMessage, formatTask } from '../store/records.js';
import type { Town } from '../store/town.js';

export interface RecordBatch {
  agents?: readonly Agent[];
  tasks?: readonly Task[];
  /** Unread messages, in their addressee's inbox. */
  messages?: readonly Message[];
  /** Messages already read (in the inbox's read/ folder). */
  readMessages?: readonly Message[];
}

export interface ImportOptions {
  /** The acting agent: the commit's author and `Tinytown-Agent`. */
  actor: string;
  /** The commit subject's summary, after `tt(actor): import`. */
  summary: string;
}

export interface ImportResult {
  files: number;
  /** The new commit's full id. */
  commit: string;
}

export interface RecordFile {
  /** Relative to the town root, with "/" separators. */
  path: string;
  text: string;
}

/** The same lock file transact() takes (store/transaction.ts). */
/** Parallel file writes: creating a file is mostly kernel time, which overlaps well. */
const WRITE_CONCURRENCY = 16;

/** Each record as its file: the canonical text the store writes, at its path. Ids and names are checked, as they become paths. */
export function recordFiles(batch: RecordBatch): RecordFile[] {
  const files: RecordFile[] = [];
  for (const agent of batch.agents ?? []) {
    files.push({ path: townPaths.agent(validateAgentName(agent.name)), text: formatAgent(agent) });
  }
  for (const task of batch.tasks ?? []) {
    if (!TASK_ID_PATTERN.test(task.id)) throw new ValidationError(`illegal task id ${JSON.stringify(task.id)}: ids look like t-k3f9qa`);
    files.push({ path: townPaths.task(task.id), text: formatTask(task) });
  }
  const messageFile = (message: Message, read: boolean): RecordFile => {
    if (!MESSAGE_ID_PATTERN.test(message.id)) throw new ValidationError(`illegal message id ${JSON.stringify(message.id)}: ids look like 20261125T212000123Z-k3f9qa`);
    const to = validateAgentName(message.to, 'addressee');
    return { path: read ? townPaths.read(to, message.id) : townPaths.unread(to, message.id), text: formatMessage(message) };
  };
  for (const message of batch.messages ?? []) files.push(messageFile(message, false));
  for (const message of batch.readMessages ?? []) files.push(messageFile(message, true));
  const seen = new Set<string>();
  for (const file of files) {
    if (seen.has(file.path)) throw new ConflictError(`two records would both be ${file.path}: give each its own id`);
    seen.add(file.path);
  }
  return files;
}

function fastImportStream(branch: string, parent: string | null, actor: string, message: string, files: readonly RecordFile[]): string {
  const who = `${actor} <${actor}@${AGENT_EMAIL_DOMAIN}> ${Math.floor(Date.now() / 1000)} +0000`;
  const data = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  const parts = [`commit ${branch}\nauthor ${who}\ncommitter ${who}\n${data(message)}`];
  if (parent) parts.push(`from ${parent}\n`);
  for (const file of files) parts.push(`M 100644 inline ${file.path}\n${data(file.text)}`);
  return parts.join('');
}

/** `update-index --index-info` lines: each file's blob id, computed as git does (the file's text under a "blob SIZE\0" header). */
function indexInfo(files: readonly RecordFile[], objectFormat: string): string {
  const hash = objectFormat === 'sha256' ? 'sha256' : 'sha1';
  return files.map((file) => {
    const id = blobId(file.text, hash);
    return `100644 ${id}\t${file.path}\n`;
  }).join('');
}

async function writeWorkTree(root: string, files: readonly RecordFile[]): Promise<void> {
  for (const folder of new Set(files.map((file) => path.posix.dirname(file.path)))) ensureDir(root, folder);
  let next = 0;
  const writer = async () => {
    while (next < files.length) {
      const file = files[next++]!;
      await writeFile(path.join(root, file.path), file.text, { flag: 'wx' });
    }
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, writer));
}

/** Writes every record of the batch and commits them all as one commit on the current branch. */
export async function importRecords(town: Town, batch: RecordBatch, options: ImportOptions): Promise<ImportResult> {
  const actor = validateAgentName(options.actor, 'actor');
  const files = recordFiles(batch);
  if (files.length === 0) throw new UsageError('nothing to import: the batch holds no records');
  const root = town.root;
  const lock = await acquireLock(statePaths.lock(root), { command: 'import' });
  // fast-import moves the branch and the index is set after it: no tt write may commit in between.
  const commitLock = await acquireLock(statePaths.commitLock(root), { command: 'import' }).catch((error: unknown) => {
    lock.release();
    throw error;
  });
  try {
    const existing = files.find((file) => existsSync(path.join(root, file.path)));
    if (existing) throw new ConflictError(`${existing.path} already exists: an import only adds records`);
    const branch = await runTask(root, headRefTask());
    if (!branch) throw new UsageError('HEAD is detached: check out a branch before importing records');
    const parent = (await runTask(root, verifyCommitTask('HEAD'))) ?? null;
    const message = `${messageParagraphs({
      subject: `tt(${actor}): import ${options.summary}`,
      trailers: [['Tinytown-Action', 'import'], ['Tinytown-Agent', actor]],
    }).join('\n\n')}\n`;
    // fast-import refuses to move the branch unless the move is a fast-forward from `parent`.
    await Promise.all([
      runTask(root, fastImportTask(fastImportStream(branch, parent, actor, message, files))),
      writeWorkTree(root, files),
    ]);
    // Index entries for exactly these paths (whatever else the user has staged stays staged);
    // `git reset` with 100,000 pathspecs would match each against every entry.
    const format = await runTask(root, objectFormatTask());
    await runTask(root, setIndexEntriesTask(indexInfo(files, format)));
    // Stat data for the new entries, as `git add` would have left it: else the next git status hashes every file.
    await runTask(root, refreshIndexTask());
    const commit = (await runTask(root, verifyCommitTask('HEAD')))!;
    return { files: files.length, commit };
  } finally {
    commitLock.release();
    lock.release();
  }
}
