import type { Category } from '../types';
import { contentHash } from '../util/hash';
import { formatIssues } from '../util/issues';
import { type CategoryPolicy, type DetectorRef, type PolicyDocument, policySchema } from './schema';

/** A validated policy with its content hash, ready for the engine. */
export interface Policy {
  readonly document: PolicyDocument;
  /** Content hash of the validated document: the policy's version in every decision record. */
  readonly version: string;
  readonly name: string;
  /** Configured categories in a fixed order. */
  readonly categories: ReadonlyArray<readonly [Category, CategoryPolicy]>;
}

/** Thrown when a policy does not validate; `issues` are `path: problem` lines. */
export class PolicyError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly string[],
  ) {
    super(`${source}: invalid policy\n${issues.map((i) => `  ${source}: ${i}`).join('\n')}`);
    this.name = 'PolicyError';
  }
}

/** Validates a parsed policy document. `source` names the file for error messages. */
export function compilePolicy(value: unknown, source: string): Policy {
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) throw new PolicyError(source, formatIssues(parsed.error.issues));
  const document = parsed.data;
  const categories = Object.entries(document.categories).filter(
    (e): e is [Category, CategoryPolicy] => e[1] !== undefined,
  );
  categories.sort((a, b) => a[0].localeCompare(b[0]));
  return { document, version: contentHash(document), name: document.name, categories };
}

/** Parses policy JSON text, with the file name in every error. */
export function parsePolicy(text: string, source: string): Policy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PolicyError(source, [`(root): not valid JSON (${(e as Error).message})`]);
  }
  return compilePolicy(value, source);
}

/** The id of a detector reference (string form or `{id, threshold}` form). */
export function refId(ref: DetectorRef): string {
  return typeof ref === 'string' ? ref : ref.id;
}

/** True when check id `check` is selected by detector reference `ref` (exact, or `prefix.*`). */
export function matchesDetector(ref: DetectorRef | string, check: string): boolean {
  const id = typeof ref === 'string' ? ref : ref.id;
  const n = id.length;
  if (n < 2 || id.charCodeAt(n - 1) !== 0x2a || id.charCodeAt(n - 2) !== 0x2e) return id === check;
  // `prefix.*`: `check` starts with `prefix.`, compared in place (this runs per finding and reference).
  if (check.length < n - 1) return false;
  for (let k = n - 2; k >= 0; k--) if (check.charCodeAt(k) !== id.charCodeAt(k)) return false;
  return true;
}
