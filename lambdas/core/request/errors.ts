import { IDENTIFIER_RE as IDENTIFIER } from './patterns';

/** Typed request errors and their Anthropic-style wire form. Messages never echo the body or its values. */

/** A request rejected before any check ran. */
export interface RequestError {
  readonly status: 400 | 413 | 415 | 422;
  readonly type: 'invalid_request_error' | 'request_too_large';
  /** JSON path of the offending field, e.g. `messages[2].content[0].source.data`; '' for the body itself. */
  readonly field: string;
  /** Precise, human-readable; never contains request content. */
  readonly message: string;
}

/** A 400 `invalid_request_error` for `field`. */
export const invalid = (field: string, message: string): RequestError => ({
  status: 400,
  type: 'invalid_request_error',
  field,
  message,
});

/**
 * The message a client reads for a request error: it names the field first (`messages[0].content: …`).
 * lambdas/core/serving/errors.ts renders it in the route's error shape.
 */
export function requestErrorMessage(e: RequestError): string {
  return e.field === '' ? e.message : `${e.field}: ${e.message}`;
}

/** One step of a JSON path. */
export type PathStep = string | number;

/**
 * Renders a path for segments and redaction: `messages[2].content[0].input["odd key"]`. Keys that are
 * not identifiers are JSON-quoted so that {@link parsePath} can read them back.
 */
export function formatPath(path: readonly PathStep[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (IDENTIFIER.test(step)) out += out === '' ? step : `.${step}`;
    else out += `[${JSON.stringify(step)}]`;
  }
  return out;
}

/**
 * Renders a path for an error's `field`. Same as {@link formatPath}, except that a key which is not a
 * plain identifier is shown as `[?]`, because keys are client-controlled content.
 */
export function formatErrorPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else if (typeof step === 'string' && IDENTIFIER.test(step)) out += out === '' ? step : `.${step}`;
    else out += '[?]';
  }
  return out;
}

/** Reads back a path written by {@link formatPath}. Returns undefined when it is malformed. */
export function parsePath(path: string): PathStep[] | undefined {
  const steps: PathStep[] = [];
  let i = 0;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      i++;
      continue;
    }
    if (c === '[') {
      if (path[i + 1] === '"') {
        // JSON string: find the closing quote that is not escaped.
        let j = i + 2;
        while (j < path.length && path[j] !== '"') j += path[j] === '\\' ? 2 : 1;
        try {
          steps.push(JSON.parse(path.slice(i + 1, j + 1)) as string);
        } catch {
          return undefined;
        }
        i = j + 2;
      } else {
        const close = path.indexOf(']', i);
        if (close < 0) return undefined;
        const n = Number(path.slice(i + 1, close));
        if (!Number.isInteger(n) || n < 0) return undefined;
        steps.push(n);
        i = close + 1;
      }
      continue;
    }
    let j = i;
    while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
    steps.push(path.slice(i, j));
    i = j;
  }
  return steps;
}
