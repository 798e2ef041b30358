import { type PathStep, parsePath } from './errors';
import type { ParsedRequest } from './parse';
import { KEY_SEGMENT_SUFFIX } from './segments';

/** One span to redact: UTF-16 offsets `[start, end)` into `request.segments[segment].text`. */
export interface Redaction {
  readonly segment: number;
  readonly span: readonly [number, number];
  readonly label: string;
}

interface Merged {
  start: number;
  end: number;
  labels: Set<string>;
}

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** Clamps a span to the text and widens it so that it never splits a surrogate pair. */
function clampSpan(text: string, [s, e]: readonly [number, number]): [number, number] | undefined {
  if (!Number.isFinite(s) || !Number.isFinite(e)) return undefined;
  let start = Math.max(0, Math.min(text.length, Math.floor(s)));
  let end = Math.max(0, Math.min(text.length, Math.ceil(e)));
  if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) start--;
  if (end < text.length && isLow(text.charCodeAt(end)) && isHigh(text.charCodeAt(end - 1))) end++;
  return start < end ? [start, end] : undefined;
}

/** Sorts spans and merges overlapping ones (labels united, sorted, joined with `+`). */
export function mergeSpans(
  text: string,
  spans: ReadonlyArray<{ span: readonly [number, number]; label: string }>,
): Merged[] {
  const clamped: Merged[] = [];
  for (const r of spans) {
    const span = clampSpan(text, r.span);
    if (span !== undefined) clamped.push({ start: span[0], end: span[1], labels: new Set([r.label]) });
  }
  clamped.sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Merged[] = [];
  for (const m of clamped) {
    const last = merged[merged.length - 1];
    if (last !== undefined && m.start < last.end) {
      last.end = Math.max(last.end, m.end);
      for (const l of m.labels) last.labels.add(l);
    } else merged.push(m);
  }
  return merged;
}

/** Replaces each merged span of `text` with `[REDACTED:<label>]`. */
export function redactText(
  text: string,
  spans: ReadonlyArray<{ span: readonly [number, number]; label: string }>,
): string {
  const parts: string[] = [];
  let last = 0;
  for (const m of mergeSpans(text, spans)) {
    parts.push(text.slice(last, m.start), `[REDACTED:${[...m.labels].sort().join('+')}]`);
    last = m.end;
  }
  parts.push(text.slice(last));
  return parts.join('');
}

/** Sets `value` at `path` inside `root`, checking that the current value is `expected`. */
function replaceAt(root: unknown, path: readonly PathStep[], expected: string, value: string): boolean {
  let node: unknown = root;
  for (let i = 0; i < path.length - 1; i++) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<PathStep, unknown>)[path[i] as PathStep];
  }
  const leaf = path[path.length - 1];
  if (leaf === undefined || node === null || typeof node !== 'object') return false;
  const container = node as Record<PathStep, unknown>;
  if (container[leaf] !== expected) return false;
  container[leaf] = value;
  return true;
}

/**
 * Renames the key `expected` of the object at `parent` to `value` (keeping the key order); a name that
 * is already taken gets ` (2)`, ` (3)`… appended.
 */
function renameKeyAt(root: unknown, parent: readonly PathStep[], expected: string, value: string): boolean {
  let node: unknown = root;
  for (const step of parent) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<PathStep, unknown>)[step];
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
  const obj = node as Record<string, unknown>;
  if (!Object.hasOwn(obj, expected)) return false;
  let name = value;
  for (let n = 2; name !== expected && Object.hasOwn(obj, name); n++) name = `${value} (${n})`;
  const entries = Object.entries(obj);
  for (const k of Object.keys(obj)) delete obj[k];
  for (const [k, v] of entries) obj[k === expected ? name : k] = v;
  return true;
}

/**
 * Returns a NEW body in which each span of a segment's raw text is replaced by `[REDACTED:<label>]`
 * (overlapping spans merged, spans clamped to the text and never splitting a surrogate pair). The
 * request and its body are left untouched. Redactions naming a segment that does not exist are ignored.
 * @throws Error when a segment's path no longer resolves to its text in the body — a programming error
 * that must not be turned into a silently unredacted request.
 */
export function redactRequest(
  request: ParsedRequest,
  redactions: ReadonlyArray<{ segment: number; span: readonly [number, number]; label: string }>,
): Record<string, unknown> {
  const body = structuredClone(request.body) as Record<string, unknown>;
  const bySegment = new Map<number, Array<{ span: readonly [number, number]; label: string }>>();
  for (const r of redactions) {
    if (request.segments[r.segment] === undefined) continue;
    const list = bySegment.get(r.segment) ?? [];
    list.push(r);
    bySegment.set(r.segment, list);
  }
  for (const [index, spans] of bySegment) {
    const segment = request.segments[index];
    if (segment === undefined) continue;
    const keyed = segment.path.endsWith(KEY_SEGMENT_SUFFIX);
    const path = parsePath(keyed ? segment.path.slice(0, -KEY_SEGMENT_SUFFIX.length) : segment.path);
    const redacted = redactText(segment.text, spans);
    const done =
      path !== undefined &&
      (keyed
        ? path[path.length - 1] === segment.text &&
          renameKeyAt(body, path.slice(0, -1), segment.text, redacted)
        : replaceAt(body, path, segment.text, redacted));
    if (!done) {
      throw new Error(`redactRequest: segment ${index} path does not resolve to its text`);
    }
  }
  return body;
}
