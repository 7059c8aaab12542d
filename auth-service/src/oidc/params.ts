import { OAuthError } from './oauth-error.js';

/**
 * One parameter of a query or form body. OAuth forbids repeating a parameter (RFC 6749 §3.1), and an empty
 * value counts as absent.
 */
export function param(source: unknown, name: string, max = 2048): string | undefined {
  const value = (source as Record<string, unknown> | undefined)?.[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new OAuthError('invalid_request', `${name} must be given once.`);
  if (value.length > max) throw new OAuthError('invalid_request', `${name} is too long.`);
  return value;
}

export function requiredParam(source: unknown, name: string, max = 2048): string {
  const value = param(source, name, max);
  if (value === undefined) throw new OAuthError('invalid_request', `${name} is required.`);
  return value;
}
