/**
 * git/object-hash.ts: the pure-JavaScript hasher (small inputs) and OpenSSL's
 * (large ones) must give the same ids, on both sides of the size limit.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digest, digestHex } from '../../src/git/object-hash.js';

const openssl = (format: 'sha1' | 'sha256', parts: Buffer[]) => {
  const hash = createHash(format);
  for (const part of parts) hash.update(part);
  return hash.digest('hex');
};

describe('object ids', () => {
  it('are git\'s ids for known objects', () => {
    expect(digestHex('sha1', ['blob 6\0', 'hello\n'])).toBe('ce013625030ba8dba906f756967f9e9ca394464a');
    expect(digestHex('sha256', ['blob 6\0', 'hello\n'])).toBe('2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4');
  });

  it('agree with OpenSSL at every size class, split into parts at odd places', () => {
    for (const format of ['sha1', 'sha256'] as const) {
      for (const size of [0, 1, 55, 56, 63, 64, 65, 1000, 8 * 1024 - 1, 8 * 1024, 8 * 1024 + 1, 64 * 1024, 300_000]) {
        const bytes = Buffer.alloc(size);
        for (let i = 0; i < size; i++) bytes[i] = (i * 7919 + size) & 0xff;
        const parts = [bytes.subarray(0, size >> 2), bytes.subarray(size >> 2, size - 3), bytes.subarray(Math.max(size - 3, size >> 2))];
        expect(digestHex(format, parts), `${format} ${size}`).toBe(openssl(format, parts));
        expect(digest(format, parts).length).toBe(format === 'sha1' ? 20 : 32);
      }
    }
  });

  it('reads strings as UTF-8', () => {
    expect(digestHex('sha1', ['blob 5\0', 'café'])).toBe(openssl('sha1', [Buffer.from('blob 5\0'), Buffer.from('café', 'utf8')]));
  });
});
