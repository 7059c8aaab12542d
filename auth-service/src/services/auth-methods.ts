/**
 * How a user signed in, as RFC 8176 Authentication Method Reference values: what a session records and its ID
 * tokens carry as `amr`.
 *
 * - `pwd`: the password alone.
 * - `pwd otp mfa`: the password and a second-step code (a TOTP code or a recovery code; both are one-time passwords).
 * - `hwk mfa` / `swk mfa`: a passkey. The service requires user verification (PIN or biometric on the
 *   authenticator), so a passkey is something held and something known or been: two factors, `mfa`, as the common
 *   providers count it. `hwk` for a device-bound key, `swk` for a synced (backed-up, "multi-device") one, whose
 *   private key lives in software the platform syncs.
 */
export const amrValuesSupported = ['pwd', 'otp', 'hwk', 'swk', 'mfa'] as const;

export type AuthMethod = (typeof amrValuesSupported)[number];

const known = new Set<string>(amrValuesSupported);

/** The methods a session recorded; a session from before they were recorded was a password sign-in. */
export function amrOf(stored: string | null): AuthMethod[] {
  if (stored === null || stored === '') return ['pwd'];
  return stored.split(' ').filter((m): m is AuthMethod => known.has(m));
}

/** The `amr` of a sign-in by these factors (`mfa` added when there are two). */
export function amrFor(factors: readonly AuthMethod[], multiFactor = factors.length > 1): AuthMethod[] {
  const unique = [...new Set(factors.filter((f) => f !== 'mfa'))];
  return multiFactor ? [...unique, 'mfa'] : unique;
}
