/**
 * File reservations (DESIGN §6), pure: which patterns are acceptable, what a
 * pattern matches, which reservations still count, and who is in whose way.
 *
 * A reservation file comes from collaborators like any town file, so its
 * patterns are hostile input: relative to the repository top, "/"-separated,
 * no `.`/`..` segments, nothing inside `.git` or the town, a bounded length
 * and a bounded number of wildcards (matching stays linear enough that a
 * hostile pattern cannot stall a commit hook). The glob language is small on
 * purpose: `*` and `?` within one path segment, `**` for any number of
 * segments; a pattern without wildcards also covers everything below it
 * (`src/api` reserves the folder).
 */
import { randomBase32 } from './ids.js';
import type { Reservation } from './types.js';

export const RESERVATION_ID_PATTERN = /^r-[0-9a-hjkmnp-tv-z]{6}$/;
export const MAX_RESERVATION_PATHS = 50;
const MAX_PATTERN_LENGTH = 256;
const MAX_WILDCARDS = 8;
/** The longest --ttl: a reservation nobody renews should not outlive a sprint. */
export const MAX_TTL_MS = 30 * 24 * 3600 * 1000;

export function newReservationId(): string {
  return `r-${randomBase32(6)}`;
}

/** Why a pattern is refused, or undefined when it is acceptable. */
export function reservationPatternProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty';
  if (pattern.length > MAX_PATTERN_LENGTH) return `is longer than ${MAX_PATTERN_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(pattern)) return 'holds a control character';
  if (pattern.includes('\\')) return 'holds a backslash (use "/")';
  if (pattern.startsWith('/') || /^[a-zA-Z]:/.test(pattern)) return 'is absolute (give a path relative to the repository top)';
  if (/[[\]{}!]/.test(pattern)) return 'uses a glob feature tt does not support (only *, ? and **)';
  const segments = pattern.replace(/\/+$/, '').split('/');
  if (segments.some((segment) => segment === '')) return 'has an empty path segment';
  if (segments.some((segment) => segment === '.' || segment === '..')) return 'has a "." or ".." segment (paths stay inside the repository)';
  if (segments[0] === '.git' || segments[0] === '.tinytown') return `is inside ${segments[0]} (reserve files of the project, not tt's or git's)`;
  if (segments.some((segment) => segment.includes('**') && segment !== '**')) return 'uses ** inside a segment (write it as its own segment: src/**/x.ts)';
  if ((pattern.match(/\*\*|[*?]/g) ?? []).length > MAX_WILDCARDS) return `has more than ${MAX_WILDCARDS} wildcards`;
  return undefined;
}

/** A trailing "/" means the folder: the same as the pattern without it. */
export function normalizeReservationPattern(pattern: string): string {
  return pattern.replace(/\/+$/, '');
}

function hasWildcard(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

const compiled = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let regexp = compiled.get(pattern);
  if (regexp) return regexp;
  const segments = pattern.split('/');
  let source = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      source += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    source += segment.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
    if (!last) source += '/';
  });
  // A pattern covers what is below it too: `src/*` reserves src/a/b.ts as well as src/a.
  regexp = new RegExp(`^${source}(?:/.*)?$`);
  compiled.set(pattern, regexp);
  return regexp;
}

/** Does a reservation pattern cover a repository path? */
export function patternMatches(pattern: string, file: string): boolean {
  if (!hasWildcard(pattern)) return file === pattern || file.startsWith(`${pattern}/`);
  return patternRegExp(pattern).test(file);
}

/** The part of a pattern before its first wildcard segment. */
function literalPrefix(pattern: string): string[] {
  const segments = pattern.split('/');
  const first = segments.findIndex((segment) => hasWildcard(segment));
  return first < 0 ? segments : segments.slice(0, first);
}

/** Could two patterns cover a common path? Exact for literals; for two globs, conservative (their literal prefixes nest). */
export function patternsOverlap(a: string, b: string): boolean {
  if (!hasWildcard(a)) return patternMatches(b, a) || patternMatches(a, b);
  if (!hasWildcard(b)) return patternMatches(a, b);
  const pa = literalPrefix(a);
  const pb = literalPrefix(b);
  const n = Math.min(pa.length, pb.length);
  return pa.slice(0, n).every((segment, i) => segment === pb[i]);
}

export function isExpired(reservation: Reservation, now: Date): boolean {
  return reservation.expires !== null && Date.parse(reservation.expires) <= now.getTime();
}

/** `90s`, `30m`, `2h`, `1d` → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})\s*(s|m|h|d)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Number(match[1]) * unit;
  return ms > 0 && ms <= MAX_TTL_MS ? ms : undefined;
}

export interface ReservationHit {
  reservation: Reservation;
  /** The path that is covered. */
  path: string;
  /** The pattern that covers it. */
  pattern: string;
}

/**
 * The paths of `files` that reservations held by someone other than `actor`
 * cover (only the exclusive ones with `exclusiveOnly`); expired ones never count.
 */
export function reservationHits(reservations: readonly Reservation[], files: readonly string[], actor: string | null, now: Date, exclusiveOnly: boolean): ReservationHit[] {
  const hits: ReservationHit[] = [];
  for (const reservation of reservations) {
    if (reservation.holder === actor || isExpired(reservation, now) || (exclusiveOnly && !reservation.exclusive)) continue;
    for (const file of files) {
      const pattern = reservation.paths.find((p) => patternMatches(p, file));
      if (pattern !== undefined) hits.push({ reservation, path: file, pattern });
    }
  }
  return hits;
}

/** What a refusal says: who holds what, and how to ask them. */
export function describeHits(hits: readonly ReservationHit[]): string {
  const byHolder = new Map<string, ReservationHit[]>();
  for (const hit of hits) byHolder.set(hit.reservation.holder, [...(byHolder.get(hit.reservation.holder) ?? []), hit]);
  const lines: string[] = [];
  for (const [holder, held] of byHolder) {
    const files = [...new Set(held.map((hit) => hit.path))];
    const ids = [...new Set(held.map((hit) => hit.reservation.id))];
    const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? `, … (${files.length} paths)` : '');
    lines.push(`${shown}: held exclusively by ${holder} (${ids.join(', ')}); ask them: tt send ${holder} --query "May I change ${files[0]}? (${ids[0]})"`);
  }
  return lines.join('\n');
}

/** Words of free text that look like repository paths (for `tt assign`'s warning). */
export function pathsNamedIn(text: string): string[] {
  const words = text.match(/[\w.@/*-]+/g) ?? [];
  return [...new Set(words.map((word) => word.replace(/^\.\//, '').replace(/[.,;:]+$/, '')).filter((word) => (word.includes('/') || /\.\w{1,8}$/.test(word)) && reservationPatternProblem(word) === undefined))];
}
