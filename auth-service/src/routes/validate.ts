import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Parses untrusted input at the edge; the message names each bad field (never echoes its value). */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
  throw new AppError('VALIDATION_FAILED', problems);
}
