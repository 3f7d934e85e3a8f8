/** Building the page from data: elements with text content only (never HTML from the town), and times as ages. */

import type { UsageDoc } from './types.js';

type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) element.append(child);
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** "42s", "5m", "3h", "2d": how long ago an ISO time was. */
export function age(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function badge(text: string, kind = text): HTMLSpanElement {
  return h('span', { class: `badge state-${kind}` }, text);
}

export function taskLink(id: string, text: string = id): HTMLAnchorElement {
  return h('a', { href: `#/task/${id}`, 'data-task': id }, text);
}

export function firstLine(text: string, max = 160): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** `3 rounds · 42,000 tokens in · 1,234 out · $0.0812`, leaving out what the CLI did not report (as core/usage.ts's describeUsage). */
export function usageText(usage: UsageDoc): string {
  const parts = [`${usage.rounds} round${usage.rounds === 1 ? '' : 's'}`];
  if (usage.input_tokens !== null) parts.push(`${numberFormat.format(usage.input_tokens)} tokens in`);
  if (usage.output_tokens !== null) parts.push(`${numberFormat.format(usage.output_tokens)} out`);
  if (usage.cost_usd !== null) parts.push(`$${usage.cost_usd.toFixed(4)}`);
  return parts.join(' · ');
}

export const numberFormat = new Intl.NumberFormat('en');
