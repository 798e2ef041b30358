/**
 * Non-ASCII characters that the canonical pipeline provably leaves alone, so that ordinary text with
 * a few curly quotes, dashes, accented letters or CJK can skip the costly steps instead of
 * paying for NFKC on every cluster.
 *
 * A code point is **inert** when it is NFKC-stable on its own, has canonical combining class 0 and is
 * not the second half of any canonical composition (no combining mark, no Hangul jamo). A string made
 * of ASCII and inert characters is in NFKC (the Unicode quick-check answers YES: every character is
 * NFKC_QC=Yes with ccc 0), so NFKC returns it unchanged. A code point is **plain** when it is inert,
 * not removed as invisible, not a letter-like symbol (`letterlike.ts`) and outside every block of the
 * homoglyph table: the canonical pipeline then
 * reduces to lowercasing for text made only of ASCII and plain characters.
 * test/unit/lambdas/core/normalize/plain.test.ts checks these claims exhaustively against the runtime's ICU.
 */
import { CONFUSABLE_BLOCKS_RE } from './homoglyphs';
import { letterlikeTable } from './letterlike';
import { INVISIBLE_RE, NON_ASCII_RE } from './patterns';

/**
 * Ranges whose members are checked one by one (NFKC-stable, not a mark). BMP only: the patterns below
 * work on code units (a \`u\` flag made them several times slower), so astral characters such as emoji,
 * whose surrogates are not listed, take the full pipeline.
 */
const CHECKED_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x80, 0x24f], // Latin-1, Latin Extended-A/B
  [0x370, 0x52f], // Greek, Cyrillic
  [0x2000, 0x206f], // General Punctuation
  [0x20a0, 0x20cf], // currency
  [0x2190, 0x22ff], // arrows, mathematical operators
  [0x2500, 0x27bf], // box drawing, shapes, miscellaneous symbols, dingbats
  [0x3000, 0x303f], // CJK punctuation
];
/** Ranges inert as a whole (no decompositions, no marks): CJK ideographs, Hangul syllables. */
const WHOLE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x4e00, 0x9fff],
  [0xac00, 0xd7a3],
];

const MARK_RE = /\p{M}/u;
const INVISIBLE_ONE_RE = new RegExp(INVISIBLE_RE.source, 'u');
const CONFUSABLE_ONE_RE = new RegExp(CONFUSABLE_BLOCKS_RE.source);

const INERT = 1;
const PLAIN = 2;
let table: Uint8Array | undefined;

/**
 * Per BMP code unit: INERT | PLAIN bits (ASCII has both). Built on first use (about a millisecond:
 * the whole ranges are filled, only the checked ones are normalized one by one).
 */
function buildTable(): Uint8Array {
  const t = new Uint8Array(0x10000);
  const letterlike = letterlikeTable();
  t.fill(INERT | PLAIN, 0, 0x80);
  for (const [a, b] of WHOLE_RANGES) t.fill(INERT | PLAIN, a, b + 1);
  for (const [a, b] of CHECKED_RANGES) {
    for (let c = a; c <= b; c++) {
      const s = String.fromCharCode(c);
      if (s.normalize('NFKC') !== s || MARK_RE.test(s)) continue;
      t[c] =
        INVISIBLE_ONE_RE.test(s) || CONFUSABLE_ONE_RE.test(s) || letterlike.has(c) ? INERT : INERT | PLAIN;
    }
  }
  table = t;
  return t;
}

/** The inert and plain non-ASCII code points (sorted, BMP), as the table has them (for the tests). */
export function inertAndPlain(): { inert: number[]; plain: number[] } {
  const t = table ?? buildTable();
  const inert: number[] = [];
  const plain: number[] = [];
  for (let c = 0x80; c < 0x10000; c++) {
    const bits = t[c] as number;
    if (bits & INERT) inert.push(c);
    if (bits & PLAIN) plain.push(c);
  }
  return { inert, plain };
}

/**
 * Whether some code unit of `text` lacks `bit`. Non-ASCII units are found natively (`NON_ASCII_RE`,
 * global, so `test` moves `lastIndex` without allocating), then each run of them is checked in the
 * table; ASCII is never looked at in JavaScript. Linear.
 */
function lacks(text: string, bit: number): boolean {
  const t = table ?? buildTable();
  const re = NON_ASCII_RE;
  re.lastIndex = 0;
  while (re.test(text)) {
    let i = re.lastIndex - 1;
    for (let c = text.charCodeAt(i); c >= 0x80; c = text.charCodeAt(++i)) {
      if (((t[c] as number) & bit) === 0) return true;
    }
    re.lastIndex = i;
  }
  return false;
}

/** Whether `text` has a character that is neither ASCII nor inert (NFKC might change the text). */
export const hasNonInert = (text: string): boolean => lacks(text, INERT);

/** Whether `text` has a character that is neither ASCII nor plain (the full canonical pipeline is needed). */
export const hasNonPlain = (text: string): boolean => lacks(text, PLAIN);
