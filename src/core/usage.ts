/**
 * Usage totals (DESIGN §7): a round's usage (core/cli-output.ts) added to a
 * task's `usage` and to an agent's run-time totals, and the one way both are
 * shown as text. Pure.
 */
import { roundCost, type RoundUsage } from './cli-output.js';
import type { TaskUsage } from './types.js';

/** An agent's totals over the rounds its loops ran (its run-time state): a task's fields plus the cached input. */
export interface AgentUsage extends TaskUsage {
  cache_tokens: number | null;
}

const plus = (a: number | null, b: number | undefined): number | null => (b === undefined ? a : (a ?? 0) + b);

/** One more round on a task; a round whose CLI reported nothing counts as a round and adds nothing else. */
export function addToTaskUsage(total: TaskUsage | null, round: RoundUsage | null): TaskUsage {
  const cost = round?.cost_usd ?? undefined;
  return {
    rounds: (total?.rounds ?? 0) + 1,
    input_tokens: plus(total?.input_tokens ?? null, round?.input_tokens),
    output_tokens: plus(total?.output_tokens ?? null, round?.output_tokens),
    cost_usd: cost === undefined ? total?.cost_usd ?? null : roundCost((total?.cost_usd ?? 0) + cost),
  };
}

export function addToAgentUsage(total: AgentUsage | null, round: RoundUsage | null): AgentUsage {
  return { ...addToTaskUsage(total, round), cache_tokens: plus(total?.cache_tokens ?? null, round?.cache_tokens) };
}

/** Totals over several tasks (`tt summary`); null when none has usage. */
export function sumTaskUsage(usages: ReadonlyArray<TaskUsage | null>): TaskUsage | null {
  let total = null as TaskUsage | null;
  for (const usage of usages) {
    if (!usage) continue;
    total = {
      rounds: (total?.rounds ?? 0) + usage.rounds,
      input_tokens: usage.input_tokens === null ? total?.input_tokens ?? null : (total?.input_tokens ?? 0) + usage.input_tokens,
      output_tokens: usage.output_tokens === null ? total?.output_tokens ?? null : (total?.output_tokens ?? 0) + usage.output_tokens,
      cost_usd: usage.cost_usd === null ? total?.cost_usd ?? null : roundCost((total?.cost_usd ?? 0) + usage.cost_usd),
    };
  }
  return total;
}

const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** `3 rounds · 42,000 tokens in (38,000 cached) · 1,234 out · $0.0812`; what was not reported is left out. */
export function describeUsage(usage: TaskUsage | AgentUsage): string {
  const parts = [`${usage.rounds} round${usage.rounds === 1 ? '' : 's'}`];
  const cached = 'cache_tokens' in usage && usage.cache_tokens ? ` (${thousands(usage.cache_tokens)} cached)` : '';
  if (usage.input_tokens !== null) parts.push(`${thousands(usage.input_tokens)} tokens in${cached}`);
  if (usage.output_tokens !== null) parts.push(`${thousands(usage.output_tokens)} out`);
  if (usage.cost_usd !== null) parts.push(`$${usage.cost_usd.toFixed(4)}`);
  if (parts.length === 1) parts.push('no usage reported by the CLI');
  return parts.join(' · ');
}
