/** Towns whose agents are stopped after each test whatever happens in it, with fake CLIs set in town.yml. */
import { afterEach, expect } from 'vitest';
import { tempRepo } from './repo.js';
import { tt, ttProcess } from './tt.js';

/** Call at the top of a test file: every town pushed to the list it gives has its agents stopped after each test. */
export function stopAgentsAfterEach(): string[] {
  const towns: string[] = [];
  afterEach(async () => {
    for (const dir of towns.splice(0)) await ttProcess(dir, ['stop']);
  });
  return towns;
}

/** Call at the top of a test file: gives `town(clis)`, and stops every agent of every town it made after each test. */
export function useAgentTowns(): (clis?: Record<string, string>) => Promise<string> {
  const towns = stopAgentsAfterEach();
  return async (clis = {}) => {
    const dir = tempRepo();
    towns.push(dir);
    expect((await tt(dir, ['init'])).code).toBe(0);
    for (const [name, command] of Object.entries(clis)) expect((await tt(dir, ['config', `clis.${name}`, command])).code).toBe(0);
    return dir;
  };
}
