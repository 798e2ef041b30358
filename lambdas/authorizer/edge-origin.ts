import type { KeyObject } from 'node:crypto';
import { ASSERTION_HEADER, verifyAssertion } from '../core/edge/assertion';
import type { HeaderBag } from '../core/enforcement/credentials';

/** When the region is served only through the global edge: the keys that verify the edge's origin assertion. */
export interface EdgeRequirement {
  /** This region (the assertion names the region it was made for). */
  readonly region: string;
  readonly publicKeys: readonly KeyObject[];
}

/** The request line the assertion binds (method and path without the query string). */
export interface RequestLine {
  readonly method: string;
  readonly path: string;
}

function single(headers: HeaderBag, name: string): string | undefined {
  let found: string | undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() !== name || v === undefined || v === null) continue;
    const values = typeof v === 'string' ? [v] : v;
    for (const value of values) {
      if (found !== undefined && found !== value) return undefined;
      found = value;
    }
  }
  return found;
}

/** Whether the request carries a valid, fresh edge assertion for this region, route and credential. */
export function cameThroughEdge(
  headers: HeaderBag,
  apiKey: string,
  line: RequestLine | undefined,
  requirement: EdgeRequirement,
  now: number,
): boolean {
  if (line === undefined) return false;
  const verdict = verifyAssertion(
    single(headers, ASSERTION_HEADER),
    { region: requirement.region, method: line.method, path: line.path, apiKey },
    requirement.publicKeys,
    now,
  );
  return verdict.ok;
}
