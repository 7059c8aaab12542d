import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, otpauthUri, totpStep } from '../../src/services/totp.js';

// RFC 6238 Appendix B, the SHA-1 rows: the seed is the ASCII string "12345678901234567890", codes have 8 digits.
const seed = Buffer.from('12345678901234567890', 'ascii');
const vectors: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238, HMAC-SHA-1)', () => {
  it.each(vectors)('at T=%i s the code is %s', (seconds, code) => {
    expect(hotp(seed, totpStep(seconds * 1000), 8)).toBe(code);
  });

  it('RFC 4226 Appendix D: the HOTP values of counters 0–9', () => {
    const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
    expect(expected.map((_, counter) => hotp(seed, counter))).toEqual(expected);
  });

  it('accepts the code of this step and of one step either side, nothing further', () => {
    const now = 1_111_111_111_000;
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) expect(matchTotp(seed, hotp(seed, step + offset), now, null)).toBe(step + offset);
    for (const offset of [-2, 2]) expect(matchTotp(seed, hotp(seed, step + offset), now, null)).toBeNull();
  });

  it('refuses a code of a step at or before the last one used: each code works once', () => {
    const now = 1_234_567_890_000;
    const step = totpStep(now);
    expect(matchTotp(seed, hotp(seed, step), now, step)).toBeNull();
    expect(matchTotp(seed, hotp(seed, step - 1), now, step - 1)).toBeNull();
    expect(matchTotp(seed, hotp(seed, step + 1), now, step)).toBe(step + 1);
  });

  it('refuses what is not six digits', () => {
    const now = 1_234_567_890_000;
    const code = hotp(seed, totpStep(now));
    for (const bad of ['', `${code}0`, code.slice(1), ` ${code}`, 'abcdef', `${code.slice(0, 5)}x`]) expect(matchTotp(seed, bad, now, null)).toBeNull();
  });

  it('base32 round-trips and matches RFC 4648 §10', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Decode('MZXW6YTBOI').toString()).toBe('foobar');
    expect(base32Decode('mzxw 6ytb oi').toString()).toBe('foobar');
  });

  it('builds the otpauth URI authenticator apps scan', () => {
    const uri = new URL(otpauthUri(seed, 'Userbox', 'ada@example.test'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Userbox:ada@example.test');
    expect(Object.fromEntries(uri.searchParams)).toEqual({ secret: base32Encode(seed), issuer: 'Userbox', algorithm: 'SHA1', digits: '6', period: '30' });
  });
});
