/**
 * Colour for people at a terminal, never for pipes, files or NO_COLOR
 * (https://no-color.org): main decides once and hands the renderers a Style;
 * the renderers stay pure functions of their data and the style.
 */
import { fstatSync } from 'node:fs';
import type { AgentRunState, Priority, TaskState } from '../core/types.js';

export interface Style {
  state(state: string): string;
  priority(priority: Priority): string;
  urgent(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
const green = wrap(32, 39);
const yellow = wrap(33, 39);
const red = wrap(31, 39);
const cyan = wrap(36, 39);
const magenta = wrap(35, 39);
const dim = wrap(2, 22);
const bold = wrap(1, 22);

const STATE_COLOURS: Readonly<Record<string, (text: string) => string>> = {
  pending: dim, assigned: cyan, running: yellow, review: magenta, completed: green, failed: red, cancelled: dim,
  idle: green, working: yellow, paused: cyan, draining: cyan, stopped: dim, error: red, stuck: red, cold: dim, starting: cyan,
} satisfies Record<TaskState, unknown> & Partial<Record<AgentRunState | "stuck", unknown>>;

export const PLAIN: Style = { state: (s) => s, priority: (p) => p, urgent: (t) => t, dim: (t) => t, bold: (t) => t };

export const COLOUR: Style = {
  state: (state) => (Object.hasOwn(STATE_COLOURS, state) ? STATE_COLOURS[state]!(state) : state),
  priority: (priority) => (priority === 'urgent' ? bold(red(priority)) : priority === 'high' ? yellow(priority) : priority === 'low' ? dim(priority) : priority),
  urgent: (text) => bold(red(text)),
  dim,
  bold,
};

/**
 * Is stdout a terminal? A character device is: a pipe or a file is not.
 * (node:tty's isatty would load the tty, net and stream modules, several
 * milliseconds of every tt call; /dev/null, also a character device, gets
 * colour nobody sees.)
 */
function stdoutIsCharacterDevice(): boolean {
  try {
    return fstatSync(1).isCharacterDevice();
  } catch {
    return false;
  }
}

/** Colour only on a terminal, and never with NO_COLOR set (to anything) or TERM=dumb. */
export function styleFor(env: NodeJS.ProcessEnv, stdoutIsTerminal = stdoutIsCharacterDevice()): Style {
  if (!stdoutIsTerminal || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb') return PLAIN;
  return COLOUR;
}

/** The width a terminal shows: escape sequences take none. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
