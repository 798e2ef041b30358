import { formatErrorPath, invalid, type RequestError } from './errors';

/** Keys that are rejected anywhere in a body: they are the handles of prototype pollution. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

type Frame =
  | { kind: 'object'; keys: Set<string>; key: string | undefined }
  | { kind: 'array'; index: number };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Index of the quote closing the string that opens at `start`, or -1 when it is unterminated: the
 * first quote after `start` preceded by an even number of backslashes (each backslash escapes the
 * unit after it). `indexOf` finds quotes natively; only the backslashes right before each quote are
 * counted, so every unit is still looked at a bounded number of times.
 */
const stringEnd = (text: string, start: number): number => {
  for (let q = text.indexOf('"', start + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let b = q - 1;
    while (b > start && text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
  return -1;
};

/** The decoded value of a key token (escapes resolved only when present, so `"\u0061"` equals `"a"`). */
const decodeKey = (token: string): string | undefined => {
  const inner = token.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  try {
    return JSON.parse(token) as string;
  } catch {
    return undefined;
  }
};

const pathOf = (stack: readonly Frame[], extra?: string): string => {
  const steps: PropertyKey[] = [];
  stack.forEach((f, i) => {
    if (f.kind === 'array') steps.push(f.index);
    // The innermost object's previous key is not part of the path of the key being checked.
    else if (f.key !== undefined && !(extra !== undefined && i === stack.length - 1)) steps.push(f.key);
  });
  if (extra !== undefined) steps.push(extra);
  return formatErrorPath(steps);
};

/**
 * One linear pass over the JSON text, before `JSON.parse`, that rejects what `JSON.parse` would
 * silently accept or could not survive: nesting deeper than `maxDepth` (so a body of 100k `[` never
 * reaches a recursive step), duplicate keys in any object (JSON.parse keeps the last one, which lets a
 * body mean different things to different parsers), and the keys `__proto__`, `constructor` and
 * `prototype` anywhere. Syntax errors are left to `JSON.parse`; the scan simply stops being precise.
 * Iterative, O(n) time, O(depth + keys) memory.
 */
export function prescanJson(text: string, maxDepth: number): RequestError | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined;
      const top = stack[stack.length - 1];
      if (expectKey && top?.kind === 'object') {
        const key = decodeKey(text.slice(i, end + 1));
        if (key === undefined) return undefined;
        if (FORBIDDEN_KEYS.has(key)) return invalid(pathOf(stack, key), 'forbidden key name');
        if (top.keys.has(key)) return invalid(pathOf(stack, key), 'duplicate key in object');
        top.keys.add(key);
        top.key = key;
        expectKey = false;
      }
      i = end;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) return invalid(pathOf(stack), `nesting deeper than ${maxDepth} levels`);
      stack.push(
        c === 0x7b ? { kind: 'object', keys: new Set(), key: undefined } : { kind: 'array', index: 0 },
      );
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1];
      if (top?.kind === 'array') top.index++;
      else if (top?.kind === 'object') expectKey = true;
    }
  }
  return undefined;
}
