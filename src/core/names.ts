/** Agent names: the only user input that becomes a path, so it is checked before anything else. */
import { UsageError } from '../errors.js';

export const AGENT_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export function validateAgentName(name: string, what = 'agent name'): string {
  if (!AGENT_NAME_PATTERN.test(name)) {
    const shown = JSON.stringify(name);
    let why = 'it must start with a lower-case letter and hold only a-z, 0-9 and "-", at most 32 characters';
    if (name.length === 0) why = 'it is empty';
    else if (name.length > 32) why = `it is ${name.length} characters long (at most 32)`;
    else if (/[/\\]|\.\./.test(name)) why = 'it looks like a path';
    throw new UsageError(`illegal ${what} ${shown}: ${why}`);
  }
  return name;
}

/** Edit distance, for "did you mean" hints on unknown names. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
