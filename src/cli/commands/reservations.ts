import { defineCommand, fromAnswer } from '../command.js';
import { checkStaged, listAllReservations } from '../../app/operations/reservations.js';
import { isExpired } from '../../core/reservations.js';
import type { Reservation } from '../../core/types.js';

export function renderReservations(reservations: readonly Reservation[], now: Date): string {
  if (reservations.length === 0) return 'no reservations';
  return reservations.map((r) => {
    const until = isExpired(r, now) ? 'EXPIRED' : r.expires ? `until ${r.expires}` : r.task ? `until ${r.task} ends` : 'until released';
    return `${r.id}  ${r.holder.padEnd(12)} ${r.exclusive ? 'exclusive' : 'shared   '}  ${r.paths.join(' ')}  (${until}${r.task ? `, task ${r.task}` : ''})`;
  }).join('\n');
}

export const reservationsCommand = defineCommand({
  path: ['reservations'],
  describe: 'List the file reservations (who holds which paths, until when); --check-staged: refuse (exit 1) when the staged changes here touch paths another agent holds exclusively',
  options: {
    'check-staged': { type: 'boolean', describe: 'Check the index of the work tree here (the pre-commit hook of agent worktrees runs this)' },
  },
  async run(args, cli) {
    if (args.checkStaged) {
      const check = await checkStaged(cli.session, cli.runtime.cwd);
      const payload = { ok: check.hits.length === 0, held: check.hits.map((hit) => ({ path: hit.path, pattern: hit.pattern, holder: hit.reservation.holder, reservation: hit.reservation.id })) };
      return { kind: 'reservation-check', payload, text: check.message || 'No staged path is held by another agent.', exitCode: check.hits.length === 0 ? 0 : 1 };
    }
    const answer = listAllReservations(cli.session);
    return fromAnswer(answer, renderReservations(answer.data, cli.runtime.now()));
  },
});
