/**
 * The page's write actions. Each one runs the CLI's own command definition
 * (src/cli/commands) through the embedded runner, so a click makes exactly the
 * commit `tt` makes, and bad input gets exactly the CLI's error. A form field
 * maps to the command's positional or option of the same name, checked
 * against the definition (required, choices, type) before anything runs.
 */
import type { Args, CommandDefinition, CommandOutput, OptionSpec } from '../cli/command.js';
import { commandAt, runCommand, type EmbeddedCliOptions } from '../cli/embedded.js';
import { UsageError } from '../errors.js';

interface ActionSpec {
  /** The tt command it runs. */
  command: readonly string[];
  /** Form fields the page may send, besides `as` (who acts). */
  fields: readonly string[];
}

export const UI_ACTIONS: Readonly<Record<string, ActionSpec>> = {
  assign: { command: ['assign'], fields: ['agent', 'description', 'title', 'priority', 'reviewer', 'tags'] },
  send: { command: ['send'], fields: ['to', 'message', 'urgent', 'task', 'query', 'info', 'ack'] },
  approve: { command: ['approve'], fields: ['id', 'message'] },
  reject: { command: ['reject'], fields: ['id', 'reason'] },
};

function optionSpec(definition: CommandDefinition, field: string): OptionSpec | undefined {
  return definition.options?.[field];
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** One form value as the command would have parsed it from a command line. */
function coerce(field: string, spec: OptionSpec | undefined, value: unknown): unknown {
  if (spec?.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'on') return true;
    if (value === 'false' || value === '') return false;
    throw new UsageError(`${field} must be true or false`);
  }
  if (typeof value !== 'string') throw new UsageError(`${field} must be text`);
  if (spec?.choices && !spec.choices.includes(value)) throw new UsageError(`${field} must be one of ${spec.choices.join(', ')}, not "${value}"`);
  return spec?.array ? value.split(',').map((part) => part.trim()).filter(Boolean) : value;
}

/** The command's arguments from a form, or the usage error the CLI would give. */
export function argsFromForm(name: string, form: Record<string, unknown>): { spec: ActionSpec; args: Args; actor: string | undefined } {
  const spec = Object.hasOwn(UI_ACTIONS, name) ? UI_ACTIONS[name] : undefined;
  if (!spec) throw new UsageError(`no action "${name}" (the page can ${Object.keys(UI_ACTIONS).join(', ')})`);
  const definition = commandAt(spec.command);
  for (const field of Object.keys(form)) {
    if (field !== 'as' && !spec.fields.includes(field)) throw new UsageError(`${name} takes no field "${field}" (it takes ${spec.fields.join(', ')})`);
  }
  const args: Args = {};
  for (const positional of definition.positionals ?? []) {
    const value = form[positional.name];
    if (isBlank(value)) {
      if (positional.required !== false) throw new UsageError(`${name} needs ${positional.name}: ${positional.describe.toLowerCase()}`);
      continue;
    }
    args[positional.name] = coerce(positional.name, undefined, value);
  }
  for (const field of spec.fields) {
    const option = optionSpec(definition, field);
    if (!option) continue;
    const value = form[field];
    if (isBlank(value)) {
      if (option.required) throw new UsageError(`${name} needs ${field}: ${option.describe.toLowerCase()}`);
      continue;
    }
    args[field] = coerce(field, option, value);
  }
  const actor = isBlank(form.as) ? undefined : String(form.as);
  return { spec, args, actor };
}

/** Runs an action as `tt <command> … --as <actor>` would, and hands back the CLI's output. */
export async function runAction(cli: EmbeddedCliOptions, name: string, form: Record<string, unknown>): Promise<CommandOutput> {
  const { spec, args, actor } = argsFromForm(name, form);
  return runCommand(actor ? { ...cli, as: actor } : cli, spec.command, args);
}
