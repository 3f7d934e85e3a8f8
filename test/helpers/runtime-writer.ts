/**
 * A separate process writing an agent's run-time state, for tests of its lock:
 *   node --import tsx runtime-writer.ts ROOT NAME ROLE COUNT BARRIER_DIR
 * ROLE `loop` counts rounds the way a loop's read-modify-write would, with a
 * heartbeat after each; `heartbeat` only beats; `controls` writes controls and
 * counts its own writes in max_rounds; `idle` records the state idle once.
 * With a BARRIER_DIR it writes ROLE.ready there and starts when `go` appears,
 * so the writers really overlap.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { updateAgentRuntime, writeControl } from '../../src/store/runtime.js';

const [root, name, role, countText, barrier] = process.argv.slice(2);
if (!root || !name || !role) throw new Error('usage: runtime-writer ROOT NAME ROLE COUNT [BARRIER_DIR]');
const count = Number(countText ?? '1');

if (barrier) {
  writeFileSync(path.join(barrier, `${role}.ready`), '');
  // The wait is a few milliseconds at most: the parent writes `go` as soon as every writer is ready.
  while (!existsSync(path.join(barrier, 'go'))) await new Promise((resolve) => setImmediate(resolve));
}

for (let i = 0; i < count; i++) {
  if (role === 'loop') {
    await updateAgentRuntime(root, name, (current) => ({ state: 'working', rounds: current.rounds + 1 }));
    await updateAgentRuntime(root, name, {});
  } else if (role === 'heartbeat') {
    await updateAgentRuntime(root, name, {});
  } else if (role === 'controls') {
    await writeControl(root, name, i % 2 === 0 ? 'pause' : 'resume');
    await updateAgentRuntime(root, name, (current) => ({ max_rounds: (current.max_rounds ?? 0) + 1, reason: `control ${i + 1}` }));
  } else if (role === 'idle') {
    await updateAgentRuntime(root, name, { state: 'idle' });
  } else {
    throw new Error(`unknown role ${role}`);
  }
}
