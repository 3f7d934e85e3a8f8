/**
 * Paths that changed, held until they are quiet and then handed over in
 * batches: a file written in several steps is read once, finished, and a
 * burst of files becomes a few batches (so a few commits), not hundreds.
 * One batch runs at a time; what becomes ready meanwhile forms the next.
 */
export interface EditQueueOptions {
  /** A touched path is ready once no event touched it for this long. */
  quietMs: number;
  /** A batch starts once no further path became ready for this long… */
  gatherMs: number;
  /** …or this long after the first path of the batch became ready, whichever is sooner. */
  maxGatherMs: number;
  /** At most this many paths per batch. */
  maxBatch: number;
  process: (paths: string[]) => Promise<void>;
}

export class EditQueue {
  private readonly settling = new Map<string, NodeJS.Timeout>();
  private readonly ready = new Set<string>();
  private gatherTimer: NodeJS.Timeout | undefined;
  private firstReadyAt = 0;
  private running: Promise<void> | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: EditQueueOptions) {}

  /** An event touched `path`: (re)start its quiet period. */
  touch(path: string): void {
    this.later(path, this.options.quietMs);
  }

  /** `path` is known to be finished (chokidar waited for it, or it is gone): ready now. */
  add(path: string): void {
    if (this.closed) return;
    const timer = this.settling.get(path);
    if (timer) clearTimeout(timer);
    this.settling.delete(path);
    this.ready.add(path);
    this.scheduleBatch();
  }

  /** Ready after `delayMs` (a retry after a blocked or failed batch). */
  later(path: string, delayMs: number): void {
    if (this.closed) return;
    const previous = this.settling.get(path);
    if (previous) clearTimeout(previous);
    this.settling.set(path, setTimeout(() => {
      this.settling.delete(path);
      this.add(path);
    }, delayMs));
  }

  /** Resolves when nothing is settling, ready or running. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking paths, drops what is waiting and waits for a running batch to finish. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.settling.values()) clearTimeout(timer);
    this.settling.clear();
    this.ready.clear();
    if (this.gatherTimer) clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    await this.running;
    this.notifyIdle();
  }

  private isIdle(): boolean {
    return this.settling.size === 0 && this.ready.size === 0 && !this.running && !this.gatherTimer;
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private scheduleBatch(): void {
    // A running batch takes what became ready when it ends.
    if (this.running || this.closed) return;
    const now = Date.now();
    if (this.gatherTimer) clearTimeout(this.gatherTimer);
    else this.firstReadyAt = now;
    const waitMs = Math.max(0, Math.min(this.options.gatherMs, this.firstReadyAt + this.options.maxGatherMs - now));
    this.gatherTimer = setTimeout(() => this.runBatches(), waitMs);
  }

  private runBatches(): void {
    this.gatherTimer = undefined;
    if (this.running || this.closed) return;
    this.running = (async () => {
      while (this.ready.size > 0 && !this.closed) {
        const batch = [...this.ready].slice(0, this.options.maxBatch);
        for (const path of batch) this.ready.delete(path);
        await this.options.process(batch);
      }
    })().finally(() => {
      this.running = undefined;
      this.notifyIdle();
    });
  }
}
