import type { z } from 'zod';

/** Renders a zod issue path as `a.b[2].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** One line per issue: `path: message`, sorted by path so messages are stable. */
export function formatIssues(issues: ReadonlyArray<z.core.$ZodIssue>): string[] {
  return issues
    .map((issue) => {
      const where = formatPath(issue.path);
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
      return `${where === '' ? '(root)' : where}: ${issue.message}${keys}`;
    })
    .sort();
}
