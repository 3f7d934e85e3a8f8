/**
 * An agent's loop writes its state in the local state folder's agents/, which the watch hears;
 * but a loop that crashes writes nothing, and "is its process still alive"
 * is only known by asking. So the board asks, about once a second, and says
 * so when an agent's observed state changes without a file changing.
 */
import { readdirSync } from 'node:fs';
import { readAgentRuntime, runtimePaths } from '../store/runtime.js';

const POLL_MS = 1_000;

export class AgentLiveness {
  private last = new Map<string, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly root: string,
    private readonly onFlip: () => void,
  ) {
    this.last = this.observe();
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.timer.unref();
  }

  private observe(): Map<string, string> {
    let files: string[] = [];
    try {
      files = readdirSync(runtimePaths.dir(this.root)).filter((name) => name.endsWith('.json'));
    } catch {
      // no agent has run yet
    }
    return new Map(files.map((file) => {
      const name = file.slice(0, -'.json'.length);
      const runtime = readAgentRuntime(this.root, name);
      return [name, `${runtime.state}:${runtime.alive}`];
    }));
  }

  private poll(): void {
    const now = this.observe();
    const flipped = [...now].some(([name, state]) => this.last.get(name) !== undefined && this.last.get(name) !== state);
    this.last = now;
    if (flipped) this.onFlip();
  }

  close(): void {
    clearInterval(this.timer);
  }
}
