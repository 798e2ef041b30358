import { foldLeet } from './leet';
import { SPACED_SEED_RE } from './patterns';

// Hot-path helpers are module-local: imported bindings can compile to getter calls per use.
const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLowerAscii = (c: number): boolean => c >= 0x61 && c <= 0x7a;

/** Minimum number of single characters that make a spaced-out run. */
export const MIN_SPACED_RUN = 4;
const MAX_SEPARATOR = 3;

const isUnit = (c: number): boolean => isLowerAscii(c) || isDigit(c);
/** Separators between spaced-out letters: space, tab, `.`, `-`, `_`, `*`, `,`, `/`, `|`, `~`. */
const isSeparator = (c: number): boolean =>
  c === 0x20 ||
  c === 0x09 ||
  c === 0x2e ||
  c === 0x2d ||
  c === 0x5f ||
  c === 0x2a ||
  c === 0x2c ||
  c === 0x2f ||
  c === 0x7c ||
  c === 0x7e;

/** Whether position `i` holds a single alphanumeric not touching another alphanumeric. */
const isSingle = (s: string, i: number): boolean =>
  i < s.length &&
  isUnit(s.charCodeAt(i)) &&
  (i === 0 || !isUnit(s.charCodeAt(i - 1))) &&
  (i + 1 >= s.length || !isUnit(s.charCodeAt(i + 1)));

/**
 * Collapses spaced-out letters in lowercase text: runs of ≥ 4 single letters/digits separated by
 * 1–3 separator characters (`h o w  t o` / `h.o.w.t.o` / `h-o-w`). A separator longer than one
 * character, or one that differs from the run's first separator, marks a word gap and becomes one
 * space: `h o w  t o  m a k e` → `how to make`. Collapsed runs are also leet-folded
 * (`h 4 c k` → `hack`), reported by `leet`, so no separate despace+leet view of the whole text is needed. Linear: candidate starts come from one regex scan
 * and each run is walked once. `text` is the input itself when nothing changed.
 */
export function collapseSpacedLetters(s: string): { text: string; leet: boolean } {
  const parts: string[] = [];
  let leet = false;
  let last = 0;
  const seeds = SPACED_SEED_RE;
  seeds.lastIndex = 0;
  for (let m = seeds.exec(s); m !== null; m = seeds.exec(s)) {
    const start = m.index;
    let out = s[start] ?? '';
    let units = 1;
    let firstSep = '';
    let end = start + 1;
    for (;;) {
      let k = end;
      while (k < s.length && k - end < MAX_SEPARATOR && isSeparator(s.charCodeAt(k))) k++;
      if (k === end || !isSingle(s, k)) break;
      const sep = s.slice(end, k);
      if (firstSep === '' && sep.length === 1) firstSep = sep;
      if (sep.length > 1 || sep !== firstSep) out += ' ';
      out += s[k] ?? '';
      units++;
      end = k + 1;
    }
    if (units >= MIN_SPACED_RUN) {
      const folded = foldLeet(out);
      if (folded !== out) leet = true;
      parts.push(s.slice(last, start), folded);
      last = end;
    }
    seeds.lastIndex = Math.max(end, start + 1);
  }
  if (parts.length === 0) return { text: s, leet };
  parts.push(s.slice(last));
  return { text: parts.join(''), leet };
}

/** Separators that token splitting puts inside a word (`ma-ke`, `bo.mb`, `ex_plo*sive`). */
export const INNER_SEPARATORS = ['-', '.', '_', '*'] as const;
/** Inner separators needed, at least this many, and one per {@link WORDS_PER_JOIN} words. */
export const MIN_JOINS = 2;
const WORDS_PER_JOIN = 6;

/**
 * Token splitting undone: in lowercase text where words are broken inside by `-`, `.`, `_` or `*`
 * between two letters (promptfoo / guardrail-evasion "token splitting"), those separators are dropped
 * (`ma-ke a bo.mb` → `make a bomb`). Undefined unless such breaks are dense (at least {@link MIN_JOINS}
 * and one per {@link WORDS_PER_JOIN} words): ordinary hyphenated prose keeps one view. A break by a
 * space inside a word is not rejoined (no dictionary). Linear: native `indexOf` per separator.
 */
export function joinSplitTokens(s: string): string | undefined {
  const at: number[] = [];
  for (const sep of INNER_SEPARATORS) {
    for (let i = s.indexOf(sep); i >= 0; i = s.indexOf(sep, i + 1)) {
      if (isLowerAscii(s.charCodeAt(i - 1)) && isLowerAscii(s.charCodeAt(i + 1))) at.push(i);
    }
  }
  if (at.length < MIN_JOINS) return undefined;
  let words = 1;
  for (let i = s.indexOf(' '); i >= 0; i = s.indexOf(' ', i + 1)) words++;
  if (at.length * WORDS_PER_JOIN < words) return undefined;
  at.sort((a, b) => a - b);
  const parts: string[] = [];
  let last = 0;
  for (const i of at) {
    parts.push(s.slice(last, i));
    last = i + 1;
  }
  parts.push(s.slice(last));
  return parts.join('');
}
