import { defineCommand } from '../command.js';
import { diagnoseTown, type Finding } from '../../app/doctor.js';

function renderFinding(item: Finding): string {
  const mark = item.fixed ? 'fixed' : item.fix ? 'fixable' : 'problem';
  const fix = item.fix ? (item.fixed ? ` → ${item.fix}: done` : ` (--fix: ${item.fix})`) : '';
  return `${mark.padEnd(7)}  ${item.kind.padEnd(17)}  ${item.file ?? ''}${item.file ? ': ' : ''}${item.message}${fix}`;
}

export const doctorCommand = defineCommand({
  path: ['doctor'],
  describe: 'Check the town: unparseable files, conflict markers, duplicate ids, stale locks, temp files, unfinished commits, work of pruned agents, stale caches. Exit 1 when a problem remains',
  options: { fix: { type: 'boolean', describe: 'Repair what is safe (temp files, stale locks and caches, unfinished commits, orphaned tasks back to the backlog) and say what was done' } },
  async run(args, cli) {
    const findings = await diagnoseTown(cli.op(), { fix: Boolean(args.fix) });
    const remaining = findings.filter((item) => !item.fixed);
    const text = findings.length === 0
      ? 'The town is healthy: every file parses, no stale lock, nothing left uncommitted.'
      : `${findings.map(renderFinding).join('\n')}\n\n${remaining.length === 0 ? 'All fixed.' : `${remaining.length} problem(s) remain${remaining.some((i) => i.fix) && !args.fix ? '; tt doctor --fix repairs the fixable ones' : ''}.`}`;
    return { kind: 'doctor', payload: { healthy: remaining.length === 0, findings }, text, exitCode: remaining.length === 0 ? 0 : 1 };
  },
});
