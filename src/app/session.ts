/**
 * Who is asking, and about which town: what every face (the CLI, the MCP
 * server, the board) hands the application layer. The town is opened lazily,
 * once per session; a long-lived server makes a new session per request, so
 * town.yml, agents and tasks are read afresh each time, exactly as a new `tt`
 * process would.
 */
import { CONDUCTOR } from '../core/types.js';
import type { OpContext } from './context.js';
import { resolveAgent } from './agents.js';
import { openTown, type Town } from '../store/town.js';
import { migrateLegacyRunDir } from './local-state.js';

export interface SessionOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** `--town`: else TINYTOWN_DIR / TINYTOWN_TOWN, else found upwards from cwd. */
  town?: string | undefined;
  /** `--as`: else TINYTOWN_AGENT, else the conductor. */
  as?: string | undefined;
  now?: () => Date;
}

export class Session {
  private openedTown: Town | undefined;
  readonly now: () => Date;

  constructor(readonly options: SessionOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get env(): NodeJS.ProcessEnv {
    return this.options.env;
  }

  town(): Town {
    if (this.openedTown === undefined) {
      this.openedTown = openTown({ cwd: this.options.cwd, town: this.options.town, env: this.options.env });
      migrateLegacyRunDir(this.openedTown.root);
    }
    return this.openedTown;
  }

  /** The acting agent as typed, before it is resolved against the town: `--as`, else TINYTOWN_AGENT. */
  typedActor(): string | undefined {
    return this.options.as || this.options.env.TINYTOWN_AGENT || undefined;
  }

  /** An operation's context: the acting agent is `explicitActor` (`--from`), else `--as`, else TINYTOWN_AGENT, else the conductor. */
  op(explicitActor?: string): OpContext {
    const town = this.town();
    const typed = explicitActor ?? this.typedActor() ?? CONDUCTOR;
    return { town, actor: resolveAgent(town, typed, 'acting agent'), now: this.now };
  }

  /** The same session acting as another agent (the board's `as` field). */
  actingAs(as: string | undefined): Session {
    return as === undefined ? this : new Session({ ...this.options, as });
  }
}
