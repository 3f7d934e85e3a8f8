import { defineCommand, type ReadyBoard } from '../command.js';
import { UsageError } from '../../errors.js';
import { envelopeLine } from '../../app/json.js';

/** "tt" on a phone keypad; any free port if it is taken and none was asked for. */
const DEFAULT_PORT = 8888;

export const uiCommand = defineCommand({
  path: ['ui'],
  describe: 'Serve a live board of the town on 127.0.0.1 (agents, tasks by state, inboxes, history; assign, send, approve, reject)',
  options: {
    port: { type: 'number', describe: `Port on 127.0.0.1 (default ${DEFAULT_PORT}, or any free one if that is taken; 0: any free one)` },
    open: { type: 'boolean', describe: 'Open the board in the default browser' },
  },
  examples: [
    ['tt ui --open', 'serve the board and open it'],
    ['tt ui --port 0 --json', 'any free port; the URL (with its token) as one JSON line'],
  ],
  async run(args, cli) {
    const asked = args.port;
    if (asked !== undefined && !(Number.isInteger(asked) && asked >= 0 && asked <= 65535)) throw new UsageError('--port must be a whole number from 0 to 65535');
    const faces = cli.runtime.faces;
    if (!faces) throw new UsageError('this build of tt has no board (run bin/tt)');
    const out = cli.runtime.stdout ?? ((text: string) => void process.stdout.write(text));
    const err = cli.runtime.stderr ?? ((text: string) => void process.stderr.write(text));
    const base = { cwd: cli.runtime.cwd, env: cli.runtime.env, town: cli.args.town, as: cli.args.as, now: cli.runtime.now, log: err, open: Boolean(args.open) };
    const onReady = (ui: ReadyBoard, openProblem: string | undefined) => {
      if (args.json) out(envelopeLine('ui', { url: ui.url, port: ui.port, token: ui.token, town: ui.town.root }));
      else out(`Tinytown board of ${ui.town.root}\n  ${ui.url}\n(the token in the URL lets the page make changes; Ctrl-C stops the board)\n`);
      if (openProblem) err(`note: ${openProblem}\n`);
    };
    let signal: NodeJS.Signals;
    try {
      signal = await faces.serveUi({ ...base, port: asked ?? DEFAULT_PORT, onReady });
    } catch (error) {
      if (asked !== undefined || !(error instanceof UsageError && /in use/.test(error.message))) throw error;
      signal = await faces.serveUi({ ...base, port: 0, onReady });
    }
    if (!args.json) out(`stopped (${signal})\n`);
    return { kind: 'ui', payload: {}, text: '', streamed: true };
  },
});
