/** Colour only for people at a terminal; tables line up whatever the colour. */
import { describe, expect, it } from 'vitest';
import { COLOUR, PLAIN, styleFor, visibleLength } from '../../src/cli/style.js';
import { ago, renderTable } from '../../src/cli/render.js';

describe('output style', () => {
  it('colours only a terminal, never with NO_COLOR or TERM=dumb', () => {
    expect(styleFor({}, true)).toBe(COLOUR);
    expect(styleFor({}, false)).toBe(PLAIN);
    expect(styleFor({ NO_COLOR: '1' }, true)).toBe(PLAIN);
    expect(styleFor({ TERM: 'dumb' }, true)).toBe(PLAIN);
    expect(COLOUR.state('failed')).toBe('\x1b[31mfailed\x1b[39m');
    expect(COLOUR.state('__proto__')).toBe('__proto__');
  });

  it('pads table columns by what a terminal shows, escape sequences aside', () => {
    const table = renderTable([['A', 'B'], [COLOUR.state('completed'), 'x'], ['pending', 'y']]);
    const [header, first, second] = table.split('\n').map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));
    expect([header!.indexOf('B'), first!.indexOf('x'), second!.indexOf('y')]).toEqual([11, 11, 11]);
    expect(visibleLength(table.split('\n')[1]!)).toBe(12);
  });

  it('says how long ago in words people read', () => {
    const now = new Date('2026-12-02T12:00:00.000Z');
    expect(ago('2026-12-02T11:59:58.000Z', now)).toBe('just now');
    expect(ago('2026-12-02T11:57:00.000Z', now)).toBe('3 min ago');
    expect(ago('2026-12-01T12:00:00.000Z', now)).toBe('1 d ago');
    expect(ago(null, now)).toBe('-');
  });
});
