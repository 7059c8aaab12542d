import type { z } from 'zod';
import { AppError } from '../errors.js';

export interface ParseOptions {
  /**
   * How the 400 VALIDATION_FAILED reads: `fields` (the JSON API) names each bad field; `first` (a form page,
   * which shows its message beside the form) is the first problem in the rule's own words.
   */
  problems?: 'fields' | 'first';
}

/** Parses untrusted input at the edge; the message names each bad field (never echoes its value). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, options: ParseOptions = {}): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  if (options.problems === 'first') throw new AppError('VALIDATION_FAILED', result.error.issues[0]?.message);
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new AppError('VALIDATION_FAILED', problems);
}
