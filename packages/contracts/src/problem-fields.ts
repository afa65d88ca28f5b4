import type { z } from 'zod';

/** One invalid input field, as problem+json `errors[]` and config errors name it. */
export interface IssueField {
  readonly field: string;
  readonly message: string;
}

/**
 * The one mapping of Zod issues to fields: a dotted path (`items.0.sku`), `root` for the input
 * as a whole, and one `unknown field` entry per unrecognized key of a strict object, so a typo
 * is named exactly.
 */
export function problemFieldsOf(error: z.ZodError, root = '(body)'): IssueField[] {
  const fieldOf = (path: readonly PropertyKey[]): string =>
    path.length === 0 ? root : path.map(String).join('.');
  return error.issues.flatMap((issue): IssueField[] =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          field: fieldOf([...issue.path, key]),
          message: 'unknown field',
        }))
      : [{ field: fieldOf(issue.path), message: issue.message }],
  );
}
