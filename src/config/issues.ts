import type { z } from 'zod';

/**
 * Turns every zod issue into `<dotted.path>: <problem>` lines, so a user sees all that is wrong at once
 * and where (the KEDA typed-config habit). `prefix` names the document, e.g. a file or a dataset.
 */
export function formatIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('\n');
}
