import { describe, it, expect } from 'vitest';
import { UsageError } from '../../../src/errors.js';
import { isOid, parseOid } from '../../../src/formats/oid.js';
import { thrown } from './fixtures.js';

const HEX = '272901e3fef8957466af08166fc01971e354c6eaeb0dd3b33cadd07f55ae1a32';

describe('isOid', () => {
  it('accepts exactly 64 lowercase hex digits', () => {
    expect(isOid(HEX)).toBe(true);
  });

  it.each([
    ['uppercase', HEX.toUpperCase()],
    ['prefixed', `sha256:${HEX}`],
    ['63 digits', HEX.slice(1)],
    ['65 digits', `${HEX}0`],
    ['non-hex', `${HEX.slice(1)}g`],
    ['trailing newline', `${HEX}\n`],
    ['empty', ''],
  ])('rejects %s', (_name, value) => {
    expect(isOid(value)).toBe(false);
  });
});

describe('parseOid', () => {
  it.each([
    ['plain', HEX],
    ['uppercase', HEX.toUpperCase()],
    ['mixed case', `${HEX.slice(0, 32).toUpperCase()}${HEX.slice(32)}`],
    ['sha256: prefix', `sha256:${HEX}`],
    ['prefix and uppercase', `sha256:${HEX.toUpperCase()}`],
  ])('accepts %s and returns stored form', (_name, value) => {
    expect(parseOid(value)).toBe(HEX);
  });

  it.each([
    ['short', HEX.slice(2)],
    ['non-hex', `${HEX.slice(1)}z`],
    ['other hash method', `sha1:${HEX}`],
    ['uppercase prefix', `SHA256:${HEX}`],
    ['surrounding space', ` ${HEX}`],
    ['empty', ''],
  ])('rejects %s with UsageError bad_oid naming the value', (_name, value) => {
    const err = thrown(() => parseOid(value));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).code).toBe('bad_oid');
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toContain(JSON.stringify(value));
  });

  it('keeps the message on one line and truncates long values to 80 characters', () => {
    const value = `${'ab\n'.repeat(100)}`;
    const { message } = thrown(() => parseOid(value)) as UsageError;
    expect(message).not.toContain('\n');
    expect(message).toContain(JSON.stringify(`${value.slice(0, 80)}…`));
    expect(message.length).toBeLessThan(200);
  });
});
