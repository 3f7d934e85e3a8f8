/**
 * File reservations (DESIGN §6): `tt reserve`, `tt release`, the checks that
 * enforce them (the pre-commit hook of agent worktrees, `tt approve`, the
 * warning of `tt assign`) and their end with their task. Each change is one
 * commit of `.tinytown/reservations/<id>.md`, like any town file.
 */
import { ConflictError, NotFoundError, UsageError } from '../errors.js';
import { isoNow } from '../core/ids.js';
import {
  isExpired, MAX_RESERVATION_PATHS, newReservationId, normalizeReservationPattern, parseDuration, patternsOverlap,
  reservationHits, reservationPatternProblem, type ReservationHit,
} from '../core/reservations.js';
import type { Reservation, Task } from '../core/types.js';
import { formatReservation } from '../store/records.js';
import { townPaths } from '../store/paths.js';
import { readTask, resolveTaskId } from '../store/reader.js';
import { listReservations } from '../store/reservations.js';
import type { Listing } from '../store/town-file.js';
import type { Town } from '../store/town.js';
import { transact, type CommitOutcome, type TownWriter } from './transaction.js';
import type { OpContext } from './context.js';

/** Without --ttl and without a task to end with, a reservation lasts this long: a forgotten one must not block forever. */
export const DEFAULT_TTL = '4h';

export interface ReserveOptions {
  paths: readonly string[];
  task?: string | undefined;
  ttl?: string | undefined;
  exclusive?: boolean | undefined;
}

export interface ReservationsResult {
  reservations: Reservation[];
  commit: CommitOutcome;
  notes: string[];
}

export function checkedPatterns(patterns: readonly string[]): string[] {
  if (patterns.length === 0) throw new UsageError('name at least one path or glob to reserve (tt reserve src/api/** --exclusive)');
  if (patterns.length > MAX_RESERVATION_PATHS) throw new UsageError(`at most ${MAX_RESERVATION_PATHS} paths per reservation; reserve a folder or a glob instead`);
  return [...new Set(patterns.map((pattern) => {
    const problem = reservationPatternProblem(pattern);
    if (problem) throw new UsageError(`cannot reserve ${JSON.stringify(pattern)}: it ${problem}`);
    return normalizeReservationPattern(pattern);
  }))];
}

export function activeReservations(town: Town, now: Date): Listing<Reservation> {
  const listing = listReservations(town.root);
  return { items: listing.items.filter((reservation) => !isExpired(reservation, now)), problems: listing.problems };
}

/** `tt reserve`: refused where another agent already holds an overlapping exclusive reservation (or this one is exclusive and overlaps theirs). */
export async function reservePaths(ctx: OpContext, options: ReserveOptions): Promise<ReservationsResult> {
  const paths = checkedPatterns(options.paths);
  const task = options.task ? resolveTaskId(ctx.town.root, options.task) : null;
  if (task) readTask(ctx.town.root, task);
  const ttl = options.ttl ?? (task ? undefined : DEFAULT_TTL);
  let ttlMs: number | undefined;
  if (ttl !== undefined) {
    ttlMs = parseDuration(ttl);
    if (ttlMs === undefined) throw new UsageError(`--ttl ${JSON.stringify(ttl)} is not a duration: give a number and a unit (90s, 30m, 2h, 1d), at most 30d`);
  }
  const exclusive = Boolean(options.exclusive);
  const notes: string[] = [];
  const { result, commit } = await transact(ctx.town, (writer) => {
    const now = ctx.now();
    // Re-read inside the lock: two agents reserving the same files at once get one winner.
    for (const other of activeReservations(ctx.town, now).items) {
      if (other.holder === ctx.actor) continue;
      const overlapping = paths.filter((mine) => other.paths.some((theirs) => patternsOverlap(mine, theirs)));
      if (overlapping.length === 0) continue;
      if (other.exclusive || exclusive) {
        throw new ConflictError(`${overlapping.join(', ')} overlaps ${other.id} held ${other.exclusive ? 'exclusively ' : ''}by ${other.holder} (${other.paths.join(', ')}); ask them: tt send ${other.holder} --query "May I take ${overlapping[0]}? (${other.id})"`);
      }
      notes.push(`note: ${overlapping.join(', ')} is also reserved by ${other.holder} (${other.id}, shared)`);
    }
    const reservation: Reservation = {
      id: newReservationId(), holder: ctx.actor, paths, task, exclusive,
      created: isoNow(now), expires: ttlMs === undefined ? null : isoNow(new Date(now.getTime() + ttlMs)),
      body: '', extra: {},
    };
    writer.write(townPaths.reservation(reservation.id), formatReservation(reservation));
    return {
      result: reservation,
      change: { action: 'reserve', agent: ctx.actor, task, summary: `${reservation.id}${exclusive ? ' exclusive' : ''}: ${paths.join(' ')}` },
    };
  });
  return { reservations: [result], commit, notes };
}

/** `tt release [PATH…]`: all of the actor's reservations, or only those patterns (a reservation left with none is removed). */
export async function releasePaths(ctx: OpContext, patterns: readonly string[]): Promise<ReservationsResult> {
  const wanted = patterns.length === 0 ? undefined : new Set(patterns.map(normalizeReservationPattern));
  const { result, commit } = await transact(ctx.town, (writer) => {
    const mine = listReservations(ctx.town.root).items.filter((reservation) => reservation.holder === ctx.actor);
    const released: Reservation[] = [];
    for (const reservation of mine) {
      const kept = wanted ? reservation.paths.filter((p) => !wanted.has(p)) : [];
      if (kept.length === reservation.paths.length) continue;
      released.push({ ...reservation, paths: reservation.paths.filter((p) => !kept.includes(p)) });
      if (kept.length === 0) writer.remove(townPaths.reservation(reservation.id));
      else writer.write(townPaths.reservation(reservation.id), formatReservation({ ...reservation, paths: kept }));
    }
    if (released.length === 0) {
      const held = mine.flatMap((reservation) => reservation.paths);
      throw new NotFoundError(wanted
        ? `${ctx.actor} holds no reservation of ${[...wanted].join(', ')}${held.length ? `; it holds ${held.join(', ')}` : ''} (tt reservations)`
        : `${ctx.actor} holds no reservations (tt reservations)`);
    }
    const summary = released.map((reservation) => `${reservation.id}: ${reservation.paths.join(' ')}`).join('; ');
    return { result: released, change: { action: 'release', agent: ctx.actor, summary } };
  });
  return { reservations: result, commit, notes: [] };
}

/**
 * Inside a task change's transaction: the reservations of a task that ends
 * (completed or cancelled) go in the same commit.
 */
export function releaseTaskReservations(writer: TownWriter, town: Town, task: Task): void {
  if (task.state !== 'completed' && task.state !== 'cancelled') return;
  for (const reservation of listReservations(town.root).items) {
    if (reservation.task === task.id) writer.remove(townPaths.reservation(reservation.id));
  }
}

/** Paths another agent holds exclusively: what a commit hook or a merge refuses. */
export function exclusiveHits(town: Town, files: readonly string[], actor: string | null, now: Date): ReservationHit[] {
  return reservationHits(listReservations(town.root).items, files, actor, now, true);
}

/** What `tt assign` warns about: paths the description names that someone other than the assignee reserved. */
export function reservationWarnings(town: Town, files: readonly string[], assignee: string, now: Date): string[] {
  const hits = reservationHits(listReservations(town.root).items, files, assignee, now, false);
  const seen = new Set<string>();
  const notes: string[] = [];
  for (const hit of hits) {
    const key = `${hit.path}\0${hit.reservation.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    notes.push(`warning: ${hit.path} is reserved${hit.reservation.exclusive ? ' exclusively' : ''} by ${hit.reservation.holder} (${hit.reservation.id}${hit.reservation.expires ? `, until ${hit.reservation.expires}` : ''}); coordinate with them: tt send ${hit.reservation.holder} --query "…"`);
  }
  return notes;
}
