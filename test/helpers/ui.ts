/** A real `tt ui` process (the built bundle) serving a test town, and a reader of its event stream. */
import { spawn, type ChildProcess } from 'node:child_process';
import { TT_BIN } from './tt.js';

export interface RunningBoard {
  url: string;
  origin: string;
  token: string;
  process: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

/** Starts `tt ui --port 0 --json` in `dir` and resolves once it printed its URL. */
export function startBoard(dir: string, env: Record<string, string> = {}): Promise<RunningBoard> {
  const child = spawn(process.execPath, [TT_BIN, 'ui', '--port', '0', '--json'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk) => { stderr += String(chunk); });
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`tt ui exited (${code}) before it served: ${stderr}`)));
    child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n') || !line) return;
      const { url, token } = JSON.parse(line) as { url: string; token: string };
      resolve({ url, token, origin: new URL(url).origin, process: child, stderr: () => stderr, stop });
    });
  });
}

/** The `change` notices of the board's event stream, as they arrive. */
export class EventStreamReader {
  readonly notices: Array<{ version: number; areas: string[] }> = [];
  private readonly controller = new AbortController();
  readonly ready: Promise<void>;

  constructor(origin: string) {
    this.ready = new Promise((resolve, reject) => {
      fetch(`${origin}/api/events`, { signal: this.controller.signal }).then(async (response) => {
        let buffer = '';
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            if (/^event: hello$/m.test(frame)) resolve();
            const data = /^data: (.*)$/m.exec(frame)?.[1];
            if (/^event: change$/m.test(frame) && data) this.notices.push(JSON.parse(data) as { version: number; areas: string[] });
          }
        }
      }).catch((error: Error) => {
        if (error.name !== 'AbortError') reject(error);
      });
    });
  }

  /** Notices that arrived after `count` were seen and name `area`. */
  since(count: number, area: string): boolean {
    return this.notices.slice(count).some((notice) => notice.areas.includes(area));
  }

  close(): void {
    this.controller.abort();
  }
}
