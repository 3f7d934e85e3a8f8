/**
 * The page's write forms. A form's fields are named after the tt command's
 * arguments; the server runs that command and answers with its JSON document
 * or the CLI's error, shown beside the form. Nothing is changed on an error.
 */
import { ApiError, postAction } from './api.js';
import { h } from './dom.js';
import type { AgentCard } from './types.js';

function formValues(form: HTMLFormElement): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const element of Array.from(form.elements)) {
    if (!(element instanceof HTMLInputElement || element instanceof HTMLSelectElement || element instanceof HTMLTextAreaElement) || !element.name) continue;
    if (element instanceof HTMLInputElement && element.type === 'checkbox') values[element.name] = element.checked;
    else if (element.value !== '') values[element.name] = element.value;
  }
  return values;
}

function showResult(form: HTMLFormElement, text: string, ok: boolean): void {
  const result = form.querySelector<HTMLElement>('.result');
  if (!result) return;
  result.textContent = text;
  result.className = `result ${ok ? 'ok' : 'error'}`;
}

/** Submits through the action named by data-action; clears the text fields once the change is made. */
export function wireForm(form: HTMLFormElement, onDone: (what: string) => void): void {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type="submit"]') as HTMLButtonElement | null;
    if (button) button.disabled = true;
    const action = form.dataset.action ?? '';
    postAction<{ text: string }>(action, formValues(form))
      .then((answer) => {
        showResult(form, answer.text || 'done', true);
        for (const field of Array.from(form.querySelectorAll('textarea, input[type="text"]'))) (field as HTMLInputElement).value = '';
        onDone(answer.text || 'done');
      })
      .catch((error: unknown) => showResult(form, error instanceof ApiError ? error.message : `the board did not answer (${String(error)})`, false))
      .finally(() => {
        if (button) button.disabled = false;
      });
  });
}

/**
 * Fills every <select data-agents> with the town's agents, keeping the
 * current choice; data-agents="name" preselects that agent,
 * data-optional adds an empty "none" choice.
 */
export function fillAgentSelects(root: ParentNode, agents: readonly AgentCard[]): void {
  for (const select of Array.from(root.querySelectorAll<HTMLSelectElement>('select[data-agents]'))) {
    const chosen = select.value || select.dataset.agents || '';
    const options = agents.map((agent) => h('option', { value: agent.name }, agent.name));
    if (select.dataset.optional !== undefined) options.unshift(h('option', { value: '' }, '(none)'));
    select.replaceChildren(...options);
    if (agents.some((agent) => agent.name === chosen) || (chosen === '' && select.dataset.optional !== undefined)) select.value = chosen;
  }
}
