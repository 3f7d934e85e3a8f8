/**
 * The page's write actions. Each one checks its form against a small field
 * table (required, choices, type) and runs the same operation the CLI and
 * the MCP tools run (src/app/operations), so a click makes exactly the commit
 * `tt` makes, and bad input gets the same words a command line would.
 */
import { PRIORITIES } from '../core/types.js';
import { UsageError } from '../errors.js';
import type { Answer } from '../app/answer.js';
import { send } from '../app/operations/messages.js';
import { approve, assign, reject } from '../app/operations/tasks.js';
import type { Session } from '../app/session.js';

interface FieldSpec {
  type: 'text' | 'boolean' | 'list';
  describe: string;
  required?: boolean;
  choices?: readonly string[];
}

type Form = Record<string, string | boolean | string[] | undefined>;

interface ActionSpec {
  /** Form fields the page may send, besides `as` (who acts). */
  fields: Readonly<Record<string, FieldSpec>>;
  run(session: Session, form: Form): Promise<Answer>;
  /** The line the page shows when it worked. */
  said(answer: Answer): string;
}

const text = (describe: string, required = false): FieldSpec => ({ type: 'text', describe, required });
const flag = (describe: string): FieldSpec => ({ type: 'boolean', describe });
const str = (value: Form[string]) => (typeof value === 'string' ? value : undefined);

interface TaskData { id: string; title: string; state: string; assignee: string | null; reviewed_commit: string | null }

/** The line the CLI prints for a task change, so the page says what `tt` would. */
const taskLine = (verb: string, { data }: Answer) => {
  const task = data as TaskData;
  return `${verb} ${task.id} (${task.state}): ${task.title}`;
};

export const UI_ACTIONS: Readonly<Record<string, ActionSpec>> = {
  assign: {
    fields: {
      agent: text('Who does it', true), description: text('What to do', true), title: text('Short title'),
      priority: { type: 'text', describe: 'Priority', choices: PRIORITIES }, reviewer: text('Who reviews it'), tags: { type: 'list', describe: 'Tags' },
    },
    run: (session, form) => assign(session, {
      agent: str(form.agent)!, description: str(form.description)!, title: str(form.title), priority: str(form.priority),
      reviewer: str(form.reviewer), tags: form.tags as string[] | undefined,
    }),
    said: ({ data }) => `Assigned ${(data as TaskData).id} to ${(data as TaskData).assignee}: ${(data as TaskData).title}`,
  },
  send: {
    fields: {
      to: text('Recipient agent', true), message: text('The text', true), urgent: flag('Urgent'), task: text('The task it is about'),
      query: flag('A question'), info: flag('Informational'), ack: flag('An acknowledgement'),
    },
    async run(session, form) {
      const kinds = (['query', 'info', 'ack'] as const).filter((kind) => form[kind] === true);
      if (kinds.length > 1) throw new UsageError(`a message is one of query, info or ack, not ${kinds.join(' and ')}`);
      return send(session, { to: str(form.to)!, message: str(form.message)!, urgent: form.urgent === true, task: str(form.task), type: kinds[0] ?? 'task' });
    },
    said: ({ data }) => `Sent ${(data as Array<{ id: string; to: string }>)[0]!.id} to ${(data as Array<{ to: string }>).map((m) => m.to).join(', ')}`,
  },
  approve: {
    fields: { id: text('Task id', true), message: text('Why it is good') },
    run: (session, form) => approve(session, { id: str(form.id)!, message: str(form.message) }),
    said: (answer) => {
      const commit = (answer.data as TaskData).reviewed_commit;
      return taskLine(`Approved${commit ? ` at ${commit.slice(0, 12)}` : ''}:`, answer);
    },
  },
  reject: {
    fields: { id: text('Task id', true), reason: text('The concrete fix needed', true) },
    run: (session, form) => reject(session, { id: str(form.id)!, reason: str(form.reason)! }),
    said: (answer) => taskLine(`Changes requested, back to ${(answer.data as TaskData).assignee}:`, answer),
  },
};

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/** One form value as its field takes it. */
function coerce(field: string, spec: FieldSpec, value: unknown): string | boolean | string[] {
  if (spec.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'on') return true;
    if (value === 'false' || value === '') return false;
    throw new UsageError(`${field} must be true or false`);
  }
  if (typeof value !== 'string') throw new UsageError(`${field} must be text`);
  if (spec.choices && !spec.choices.includes(value)) throw new UsageError(`${field} must be one of ${spec.choices.join(', ')}, not "${value}"`);
  return spec.type === 'list' ? value.split(',').map((part) => part.trim()).filter(Boolean) : value;
}

/** The action and its checked form, or the usage error a command line would give. */
export function formFor(name: string, raw: Record<string, unknown>): { spec: ActionSpec; form: Form; actor: string | undefined } {
  const spec = Object.hasOwn(UI_ACTIONS, name) ? UI_ACTIONS[name] : undefined;
  if (!spec) throw new UsageError(`no action "${name}" (the page can ${Object.keys(UI_ACTIONS).join(', ')})`);
  const allowed = Object.keys(spec.fields);
  for (const field of Object.keys(raw)) {
    if (field !== 'as' && !Object.hasOwn(spec.fields, field)) throw new UsageError(`${name} takes no field "${field}" (it takes ${allowed.join(', ')})`);
  }
  const form: Form = {};
  for (const [field, fieldSpec] of Object.entries(spec.fields)) {
    const value = raw[field];
    if (isBlank(value)) {
      if (fieldSpec.required) throw new UsageError(`${name} needs ${field}: ${fieldSpec.describe.toLowerCase()}`);
      continue;
    }
    form[field] = coerce(field, fieldSpec, value);
  }
  const actor = isBlank(raw.as) ? undefined : String(raw.as);
  return { spec, form, actor };
}

/** Runs an action as `tt <command> … --as <actor>` would; the answer carries the line the page shows. */
export async function runAction(session: Session, name: string, raw: Record<string, unknown>): Promise<{ answer: Answer; text: string }> {
  const { spec, form, actor } = formFor(name, raw);
  const answer = await spec.run(session.actingAs(actor), form);
  return { answer, text: spec.said(answer) };
}
