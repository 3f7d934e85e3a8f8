/**
 * The reservation operations every face offers (`tt reserve`, `tt release`,
 * `tt reservations`; the MCP tools of the same names): typed input in, an
 * Answer of kind `reservations` out.
 */
import type { Reservation } from '../../core/types.js';
import { describeHits, type ReservationHit } from '../../core/reservations.js';
import { stagedPathsTask } from '../../git/repo.js';
import { runTask } from '../../git/task.js';
import { listReservations } from '../../store/reservations.js';
import { commitNotes, problemNotes, type Answer } from '../answer.js';
import { reservationJson } from '../json.js';
import { exclusiveHits, releasePaths, reservePaths, type ReservationsResult } from '../reservations.js';
import type { Session } from '../session.js';

export type ReservationsAnswer = Answer<Reservation[]>;

function answer(session: Session, result: ReservationsResult): ReservationsAnswer {
  const now = session.now();
  return {
    kind: 'reservations',
    payload: { reservations: result.reservations.map((r) => reservationJson(r, now)) },
    notes: [...result.notes, ...commitNotes(result.commit)],
    data: result.reservations,
  };
}

export interface ReserveInput {
  paths: readonly string[];
  task?: string | undefined;
  ttl?: string | undefined;
  exclusive?: boolean | undefined;
}

export async function reserve(session: Session, input: ReserveInput): Promise<ReservationsAnswer> {
  return answer(session, await reservePaths(session.op(), input));
}

export async function release(session: Session, input: { paths?: readonly string[] | undefined }): Promise<ReservationsAnswer> {
  return answer(session, await releasePaths(session.op(), input.paths ?? []));
}

/** Every reservation, expired ones flagged (checks ignore them; tt doctor reports them). */
export function listAllReservations(session: Session): ReservationsAnswer {
  const listing = listReservations(session.town().root);
  const now = session.now();
  return {
    kind: 'reservations',
    payload: { reservations: listing.items.map((r) => reservationJson(r, now)) },
    notes: problemNotes(listing.problems),
    data: listing.items,
  };
}

export interface StagedCheck {
  /** The staged paths that another agent holds exclusively. */
  hits: ReservationHit[];
  /** What the refusal says (empty when nothing is held). */
  message: string;
}

/**
 * The pre-commit hook's question: do the paths staged in the work tree at
 * `cwd` (an agent's worktree; git's hook environment names its index) touch
 * paths another agent holds exclusively?
 */
export async function checkStaged(session: Session, cwd: string): Promise<StagedCheck> {
  const town = session.town();
  const actor = session.typedActor() ?? null;
  const staged = await runTask(cwd, stagedPathsTask());
  const hits = exclusiveHits(town, staged, actor, session.now());
  return { hits, message: hits.length === 0 ? '' : `tt: this commit touches paths another agent holds exclusively:\n${describeHits(hits)}\n(or wait until they release them: tt reservations)` };
}
