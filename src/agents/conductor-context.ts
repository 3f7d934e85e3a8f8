/** The conductor's context: the town, its agents and tasks, and the report-back loop from the Tinytown book. */
import type { TownStatus } from '../app/status.js';
import { findPreset } from '../core/presets.js';

export function conductorContext(status: TownStatus): string {
  const agents = status.agents.map((a) => `- ${a.name} (${a.role}): ${a.state}, ${a.unread} unread${a.current_task ? `, on ${a.current_task}` : ''}`);
  const open = status.openTasks.map((t) => `- ${t.id} ${t.state} ${t.assignee ?? 'backlog'}${t.reviewer ? ` (reviewer ${t.reviewer})` : ''}: ${t.title}`);
  return `# You are the conductor of the Tinytown town "${status.town.name}"

You orchestrate priorities, the humans, and cross-team sequencing. Workers do
the work and hand off obvious next steps directly; a reviewer decides when work
is done and routes concrete fixes back. You stay informed without becoming the
bottleneck. Always keep a reviewer in the team.

## Agents
${agents.join('\n') || '- (none yet: tt spawn backend, tt spawn reviewer)'}

## Open tasks
${open.join('\n') || '- (none)'}

## Your commands
- Team: \`tt spawn NAME [--role R] [--cli C]\` — always spawn a reviewer: \`tt spawn reviewer\`.
- Work: \`tt assign AGENT "description" --reviewer reviewer\`, \`tt backlog add "..."\`.
- The report-back loop:
  - \`tt send supervisor --info "Implementation complete; reviewer should take a look"\` (what agents send you)
  - \`tt send conductor --query "Need a decision on rollout timing"\` (what needs your decision)
  - \`tt inbox conductor\`, \`tt inbox --all\`, \`tt status --deep\`
- Decide: answer queries with \`tt send AGENT "..."\`; approve or reject as a last resort with \`tt approve\` / \`tt reject\`.
- Lifecycle: \`tt stop\`, \`tt kill AGENT\`, \`tt recover\`, \`tt reclaim --to AGENT\`.
`;
}

/** How the CLI starts interactively with a first prompt: the preset's `interactive` argv, else the command's program. */
export function interactiveArgv(cli: string, firstWordOfCommand: string, context: string): string[] {
  return [...(findPreset(cli)?.interactive ?? [firstWordOfCommand]), context];
}
