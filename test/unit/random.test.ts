import { describe, expect, it } from 'vitest';
import { kernelRandom } from '../../src/store/random.js';
import { randomBase32, useRandomSource } from '../../src/core/ids.js';

describe('random bytes for ids', () => {
  it('fills any size, differently each time, through pool refills and the fallback for large requests', () => {
    const draws = Array.from({ length: 200 }, () => Buffer.from(kernelRandom(new Uint8Array(6))).toString('hex'));
    expect(new Set(draws).size).toBe(200);
    const seen = new Set(draws.flatMap((hex) => hex.match(/../g)!));
    expect(seen.size).toBeGreaterThan(200); // 1,200 bytes cover most of the 256 values
    const large = kernelRandom(new Uint8Array(1000));
    expect(large.some((byte) => byte !== 0)).toBe(true);
  });

  it('is where randomBase32 takes its bytes from once it is the source', () => {
    const constant = (bytes: Uint8Array) => bytes.fill(1);
    useRandomSource(constant);
    try {
      expect(randomBase32(6)).toBe('111111');
    } finally {
      useRandomSource(kernelRandom);
    }
    expect(randomBase32(6)).toMatch(/^[0-9a-hjkmnp-tv-z]{6}$/);
    expect(randomBase32(6)).not.toBe('111111');
  });
});
