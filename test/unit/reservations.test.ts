/** Reservation patterns as hostile input, what they cover, and who is in whose way (core/reservations.ts, pure). */
import { describe, expect, it } from 'vitest';
import {
  describeHits, isExpired, parseDuration, pathsNamedIn, patternMatches, patternsOverlap, reservationHits, reservationPatternProblem,
} from '../../src/core/reservations.js';
import { stagedPathsTask } from '../../src/git/repo.js';
import type { Reservation } from '../../src/core/types.js';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const held = (overrides: Partial<Reservation>): Reservation => ({
  id: 'r-abc123', holder: 'frontend', paths: ['src/api/**'], task: null, exclusive: true,
  created: '2026-12-01T11:00:00.000Z', expires: null, body: '', extra: {}, ...overrides,
});

describe('reservation patterns', () => {
  it('refuses what would leave the repository or reach git and tt', () => {
    for (const bad of ['', '/etc/passwd', '../x', 'src/../../x', 'a/./b', 'a//b', 'C:/x', 'a\\b', '.git/hooks', '.tinytown/tasks/x.md', 'a/b**', 'src/[ab]', 'x\u0000y', '*/*/*/*/*/*/*/*/*', 'a'.repeat(300)]) {
      expect(reservationPatternProblem(bad), JSON.stringify(bad)).toBeDefined();
    }
    for (const good of ['src/api/**', 'README.md', 'src/', '**/*.test.ts', 'docs/?.md']) expect(reservationPatternProblem(good), good).toBeUndefined();
  });

  it('covers paths: literals and what is below them, * and ? within a segment, ** across segments', () => {
    expect(patternMatches('src/api', 'src/api/a.ts')).toBe(true);
    expect(patternMatches('src/api', 'src/apix.ts')).toBe(false);
    expect(patternMatches('src/*.ts', 'src/a.ts')).toBe(true);
    expect(patternMatches('src/*.ts', 'src/a.js')).toBe(false);
    expect(patternMatches('src/**', 'src/a/b/c.ts')).toBe(true);
    expect(patternMatches('**/*.md', 'docs/deep/x.md')).toBe(true);
    expect(patternMatches('**/*.md', 'x.md')).toBe(true);
    expect(patternMatches('docs/?.md', 'docs/ab.md')).toBe(false);
    expect(patternMatches('a.b', 'aXb')).toBe(false);
    expect(patternsOverlap('src/api/**', 'src/api/a.ts')).toBe(true);
    expect(patternsOverlap('src/api/**', 'src/web/**')).toBe(false);
    expect(patternsOverlap('src/**', 'src/api/*.ts')).toBe(true);
  });

  it('counts only live reservations of others; exclusive only when asked', () => {
    const all = [held({}), held({ id: 'r-def456', holder: 'backend' }), held({ id: 'r-ghj789', expires: '2026-12-01T11:59:59.000Z' }), held({ id: 'r-kmn012', exclusive: false, paths: ['docs/**'] })];
    expect(isExpired(all[2]!, NOW)).toBe(true);
    const hits = reservationHits(all, ['src/api/a.ts', 'docs/x.md', 'README.md'], 'backend', NOW, true);
    expect(hits.map((hit) => [hit.reservation.id, hit.path])).toEqual([['r-abc123', 'src/api/a.ts']]);
    expect(reservationHits(all, ['docs/x.md'], 'backend', NOW, false).map((hit) => hit.reservation.id)).toEqual(['r-kmn012']);
    expect(describeHits(hits)).toMatch(/src\/api\/a\.ts: held exclusively by frontend \(r-abc123\); ask them: tt send frontend --query/);
  });

  it('reads durations and the paths a description names', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('31d')).toBeUndefined();
    expect(parseDuration('0m')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
    expect(pathsNamedIn('Fix src/api/a.ts, then README.md and ../etc/passwd.')).toEqual(['src/api/a.ts', 'README.md']);
  });

  it('asks git for the staged paths with exactly this argv', () => {
    expect(stagedPathsTask().args).toEqual(['diff', '--cached', '--name-only', '-z', '--no-renames', '--no-relative']);
  });
});
