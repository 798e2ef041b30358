/**
 * Blocklist matching: one Aho-Corasick pass per view. Entries are phrases in canonical form
 * (NFKC, lowercase, single spaces). Between the words of a phrase any run of characters that are not
 * letters or digits stands for its one space (`pipe..bomb`, `pipe_-_bomb`, `pipe . . bomb`): the view is
 * read with every such run made one space ({@link gapReading}). A second automaton over the space-free
 * phrases serves views the normalizer produced with the `despace` transform, where a phrase may run
 * across the letters the despacer joined (`makeapipebomb`) but not across words the text wrote apart.
 * Hard boundaries (sentence and list marks, CSV and path separators, URLs: {@link hardGap}) stop the plain
 * reading; a phrase found only across them is reported with the reading that found it ({@link BlocklistReading}):
 * blocking where no ordinary text writes the phrase that way, weak where sentences and lists do.
 */
import defaultList from '../../../config/blocklists/default.json';
import { isSeparator } from '../normalize/despace';
import { isLeetSymbol } from '../normalize/leet';
import { knownWordCosts } from '../normalize/segment';
import type { Category } from '../types';
import * as ascii from '../util/ascii';
import { AhoCorasick } from './aho-corasick';

// Hot loops: module-local bindings (see util/ascii.ts).
const { isAsciiAlnum } = ascii;

/** One blocklist phrase. */
export interface BlocklistEntry {
  readonly phrase: string;
  readonly category: Extract<Category, 'harmful' | 'blocklist'>;
  /** Confidence in [0, 1] reported when the phrase matches. */
  readonly score: number;
}

/**
 * Which wider reading found a hit that the plain gap reading does not ({@link Blocklist.match}):
 * - `joined`: every word gap of a phrase of three or more words is the same single mark glued to both words, one of
 *   them a hard boundary (`make/a/pipe/bomb`, `make,a,pipe,bomb`, `http://x/make/a/pipe/bomb`);
 * - `crossed` (weak): across one hard boundary that ordinary text also writes (`make a pipe, bomb`,
 *   `make a pipe. bomb`, `make a pipe - bomb`, `create/ransomware`), a single glued `|` among them: a regex or
 *   query alternation has exactly one (`grep -E 'create|ransomware'`, `event.name:(create|ransomware)`);
 * - `slug`: a phrase of three or more words inside a URL whose every word gap is one `-`, `_` or `+` glued to both
 *   words (`https://example.com/how-to-make-a-pipe-bomb`, `?q=make+a+pipe+bomb`): a page title written as a slug;
 * - `identifier` (weak): inside a longer code identifier (`x_make_a_pipe_bomb_y`);
 * - `zero-width`: with a word gap where invisible characters stood between two words (`pipe\u200Bbomb`; found
 *   by tier 0 from the raw text, lambdas/core/detectors/index.ts);
 * - `symbol`: with a symbol read as absent (neither a word nor a gap that must stay): `pipe™bomb`, `pi•pe bomb`,
 *   `make™ a™ pipe™ bomb™` (tier 0, lambdas/core/detectors/index.ts);
 * - `markup`: with an HTML or XML tag or comment read as absent where it stood between two letters
 *   (`pipe<b></b>bomb`, `pi<!-- -->pe`; tier 0);
 * - `accents`: in the canonical view with its accents and other combining marks dropped (`make a pipé bomb`; tier 0,
 *   lambdas/core/detectors/index.ts);
 * - `table` (weak): what would be `joined`, but every gap is the same field separator (`|`, `,` or `;`) on a line
 *   that is a row of a table: the line before or after it holds that separator as many times
 *   ({@link tableRow}; a Markdown header, its rule `|---|---|`, another CSV record). Cells of a table are
 *   independent values;
 * - `split`: across the join of two segments (text blocks, turns, tool results; tier 0,
 *   lambdas/core/detectors/index.ts), weak when the reading it needed there is weak or the join crosses a trust
 *   boundary.
 */
export type BlocklistReading =
  | 'joined'
  | 'slug'
  | 'crossed'
  | 'identifier'
  | 'zero-width'
  | 'symbol'
  | 'markup'
  | 'accents'
  | 'table'
  | 'split';

/** The readings whose hits are weak: a sign to look closer, not a verdict ({@link BlocklistHit.weak}). */
const WEAK_READINGS: ReadonlySet<BlocklistReading> = new Set(['crossed', 'identifier', 'table']);

/** A blocklist hit on one view. */
export interface BlocklistHit {
  readonly entry: BlocklistEntry;
  readonly start: number;
  readonly end: number;
  /** Set when only a wider reading found the phrase. */
  readonly reading?: BlocklistReading;
  /**
   * The reading is one that ordinary text also produces (a phrase read across a sentence or list boundary, or
   * inside a longer identifier): the hit says the text deserves a closer look, not that it is a violation.
   */
  readonly weak?: boolean;
  /**
   * For a `joined` or `table` hit whose every gap is the same field separator once (`|`, `,` or `;`): that
   * separator's code. A view without line breaks cannot tell a table row; tier 0 reads such a hit as `table` when a
   * view with lines read the same phrase with the same separator so.
   */
  readonly field?: number;
}

/** The committed default list (config/blocklists/default.json). */
export const DEFAULT_BLOCKLIST: readonly BlocklistEntry[] = parseBlocklist(defaultList);

/** Canonical form of a phrase: NFKC, lowercase, whitespace collapsed and trimmed. */
export function canonicalPhrase(phrase: string): string {
  return phrase.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Validates the JSON shape of a blocklist file; throws naming the bad entry. */
export function parseBlocklist(json: unknown): BlocklistEntry[] {
  const entries = (json as { entries?: unknown }).entries;
  if (!Array.isArray(entries)) throw new Error('blocklist: expected an "entries" array');
  return entries.map((e: unknown, i: number) => {
    const { phrase, category, score } = (e ?? {}) as Record<string, unknown>;
    if (typeof phrase !== 'string' || canonicalPhrase(phrase).length === 0) {
      throw new Error(`blocklist.entries[${i}].phrase: expected a non-empty string`);
    }
    if (category !== 'harmful' && category !== 'blocklist') {
      throw new Error(
        `blocklist.entries[${i}].category: expected 'harmful' or 'blocklist', got ${String(category)}`,
      );
    }
    if (typeof score !== 'number' || !(score >= 0 && score <= 1)) {
      throw new Error(`blocklist.entries[${i}].score: expected a number in [0, 1]`);
    }
    return { phrase: canonicalPhrase(phrase), category, score };
  });
}

function isWordChar(c: number): boolean {
  return isAsciiAlnum(c) || c === 95 || c > 127;
}

/**
 * Whether `text[start, end)` is glued by a single `_` to a further word on either side: a phrase inside a longer
 * code identifier (`test_create_ransomware_incident`), which names something else. A phrase that is the whole
 * identifier, or begins or ends it (`make_a_pipe_bomb`, `how_to_make_a_pipe_bomb`), still matches, and so does a
 * phrase written with spaces (`make a pipe bomb_x`): identifiers have none.
 */
function insideIdentifier(text: string, start: number, end: number): boolean {
  // An identifier has no spaces: a phrase written with them is prose, whatever is glued to its ends (`… bomb_x`).
  for (let i = start; i < end; i++) if (isGapSpace(text.charCodeAt(i))) return false;
  return (
    (start >= 2 && text.charCodeAt(start - 1) === 95 && isAsciiAlnum(text.charCodeAt(start - 2))) ||
    (text.charCodeAt(end) === 95 && isAsciiAlnum(text.charCodeAt(end + 1)))
  );
}

function atBoundary(text: string, start: number, end: number): boolean {
  return (
    (start === 0 || !isWordChar(text.charCodeAt(start - 1))) &&
    (end === text.length || !isWordChar(text.charCodeAt(end)))
  );
}

/** One character that is a letter, a digit or a combining mark, in any script. */
export const WORD_CHARACTER_RE = /^[\p{L}\p{N}\p{M}]$/u;
/** Per BMP code unit beyond ASCII: 0 not yet asked, 1 a word character, 2 not. Filled as text is read. */
const bmpWord = new Uint8Array(0x10000);
/**
 * The same per code point beyond the BMP (U+10000 on), made when the first one is read: 1 MB. An emoji costs one
 * table read, not a string and a regex test per occurrence.
 */
let astralWord: Uint8Array | undefined;

function isWordCodePoint(cp: number): boolean {
  if (cp < 0x10000) {
    let known = bmpWord[cp];
    if (known === 0) {
      known = WORD_CHARACTER_RE.test(String.fromCharCode(cp)) ? 1 : 2;
      bmpWord[cp] = known;
    }
    return known === 1;
  }
  astralWord ??= new Uint8Array(0x100000);
  let known = astralWord[cp - 0x10000];
  if (known === 0) {
    known = WORD_CHARACTER_RE.test(String.fromCodePoint(cp)) ? 1 : 2;
    astralWord[cp - 0x10000] = known;
  }
  return known === 1;
}

/**
 * The character at code unit `i` of `text` read for gaps ({@link gapReading}): its width in code units, positive
 * when it is a letter, digit or mark ({@link WORD_CHARACTER_RE}, what words are made of), negative otherwise.
 * Symbols, emoji and punctuation beyond ASCII (`—`, `·`, `™`, `💣`) are gaps like ASCII punctuation. A surrogate
 * pair is one character, judged once by its code point; a lone surrogate is a gap. Every answer is cached.
 */
function charAt(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c < 128) return isAsciiAlnum(c) ? 1 : -1;
  if ((c & 0xfc00) === 0xd800) {
    const d = text.charCodeAt(i + 1);
    if ((d & 0xfc00) !== 0xdc00) return -1;
    return isWordCodePoint(((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000) ? 2 : -2;
  }
  if ((c & 0xfc00) === 0xdc00) return -1;
  return isWordCodePoint(c) ? 1 : -1;
}

// Hard boundaries. A run of gap characters is a phrase's word gap unless it reads as the text's own
// punctuation: a sentence or list mark after a word and before a space, a list or path separator, a
// markdown list marker or table pipe, or any gap inside a URL.
const isSentenceMark = (c: number): boolean =>
  c === 0x2e || c === 0x3f || c === 0x21 || c === 0x2c || c === 0x3b || c === 0x3a; // . ? ! , ; :
const isCloser = (c: number): boolean =>
  c === 0x29 ||
  c === 0x5d ||
  c === 0x7d ||
  c === 0x22 ||
  c === 0x27 ||
  c === 0x2019 ||
  c === 0x201d ||
  c === 0xbb;
const isGapSpace = (c: number): boolean =>
  c === 0x20 || (c >= 0x09 && c <= 0x0d) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);

/**
 * Whether the gap run `text[a, b)` is a hard boundary a phrase may not cross:
 * - a sentence or list mark right after the word (closing brackets and quotes aside) and then a space
 *   (`a car. Bomb`, `create, ransomware`, `build: a car`, `bomb? No`) — a run of two or more dots (an ellipsis,
 *   `meth... at`) and marks away from the word (`pipe . . bomb`, `pipe :: bomb`) stay gaps;
 * - one `,`, `;`, `/` or `\` alone between two words (CSV fields, paths: `create,ransomware`, `create/ransomware`),
 *   an ideographic comma or full stop, any `|` (table cells);
 * - one `-`, `*` or `•` with a space on each side (a markdown list marker once lines are joined);
 * - a gap in a URL (`inUrl`); `pipe`: the run holds a `|`.
 */
function hardGap(text: string, a: number, b: number, inUrl: boolean, pipe: boolean): boolean {
  if (inUrl || pipe) return true;
  const first = text.charCodeAt(a);
  if (b - a === 1) {
    return (
      first === 0x2c ||
      first === 0x3b ||
      first === 0x2f ||
      first === 0x5c ||
      first === 0x3001 ||
      first === 0x3002
    );
  }
  if (b - a === 3 && text.charCodeAt(a) === 0x20 && text.charCodeAt(a + 2) === 0x20) {
    const m = text.charCodeAt(a + 1);
    if (m === 0x2d || m === 0x2a || m === 0x2022) return true;
  }
  let p = a;
  while (p < b && isCloser(text.charCodeAt(p))) p++;
  let q = p;
  let dots = true;
  while (q < b && isSentenceMark(text.charCodeAt(q))) {
    if (text.charCodeAt(q) !== 0x2e) dots = false;
    q++;
  }
  if (q > p && !(dots && q - p > 1)) {
    while (q < b && isCloser(text.charCodeAt(q))) q++;
    if (q < b && isGapSpace(text.charCodeAt(q))) return true;
  }
  return false;
}

/** Whether the gap run `text[a, b)` holds `://`: a URL starts, whose gaps are hard up to the run that holds the next space. */
function opensUrl(text: string, a: number, b: number): boolean {
  return (
    text.charCodeAt(a) === 0x3a &&
    b - a >= 3 &&
    text.charCodeAt(a + 1) === 0x2f &&
    text.charCodeAt(a + 2) === 0x2f
  );
}

/**
 * A phrase as the gap reading holds it: each run of characters that are not letters or digits between
 * two words made one space (`convert an ar-15` → `convert an ar 15`). Undefined when the phrase starts or
 * ends with such a character (`c++`, `$ticker`): those are matched only as written.
 */
export function gapPhrase(phrase: string): string | undefined {
  const n = phrase.length;
  const lastAt = n > 1 && (phrase.charCodeAt(n - 1) & 0xfc00) === 0xdc00 ? n - 2 : n - 1;
  if (n === 0 || charAt(phrase, 0) < 0 || charAt(phrase, lastAt) < 0) return undefined;
  let out = '';
  for (let i = 0; i < n; ) {
    const w = charAt(phrase, i);
    if (w > 0) {
      out += phrase.slice(i, i + w);
      i += w;
      continue;
    }
    i -= w;
    while (i < n) {
      const v = charAt(phrase, i);
      if (v > 0) break;
      i -= v;
    }
    out += ' ';
  }
  return out;
}

/**
 * The literals the tier-0 prefilter gates phrases on: a text that holds a phrase in its gap reading holds
 * each of its words as written, so the rarest word (by the word list, unlisted words rarest, longest on a
 * tie) is a sound gate. A phrase matched only as written gates on itself. The words' ranks are looked up
 * together, without building the segmenter's word table (an engine's construction would otherwise pay for it).
 */
export function gateLiterals(phrases: readonly string[]): string[] {
  const gaps = phrases.map((phrase) => gapPhrase(phrase)?.split(' '));
  const costs = knownWordCosts(gaps.flatMap((words) => words ?? []));
  let next = 0;
  return phrases.map((phrase, i) => {
    const words = gaps[i];
    if (words === undefined) return phrase;
    let best = '';
    let bestCost = Number.NEGATIVE_INFINITY;
    for (const word of words) {
      const cost = costs[next++] ?? Number.POSITIVE_INFINITY;
      if (cost > bestCost || (cost === bestCost && word.length > best.length)) {
        best = word;
        bestCost = cost;
      }
    }
    return best;
  });
}

/** A view read with gaps ({@link gapReading}). */
export interface GapReading {
  readonly text: string;
  /** Offset in the view of each character of `text` (of a gap run's first character for its space). */
  readonly index: Int32Array;
  /** The despacer's marks carried over, when given. */
  readonly joins: Uint8Array | undefined;
  /** Whether `text` holds a hard boundary (a line break, one per hard gap run, at the run's position). */
  readonly hard: boolean;
}

/**
 * A view read with gaps: each maximal run of characters that are not letters, digits or marks made one space,
 * so a phrase's word gap matches a doubled or mixed separator (`pipe..bomb`, `pipe -- bomb`, `pipe_-_bomb`) —
 * unless the run is a hard boundary ({@link hardGap}: `a car. Bomb`, `create, ransomware`, a URL's path), made a
 * line break, which the plain reading of a phrase does not cross.
 * `index[k]` is the offset in `text` of character `k` (of a run's first character for its space), `joins`
 * the despacer's marks ({@link despacedJoins}) carried over: a word character keeps its own, a space keeps
 * the mark of a one-character run and none for a longer run (a gap the text wrote). Linear: one pass.
 */
export function gapReading(text: string, joins?: Uint8Array): GapReading {
  const n = text.length;
  const index = new Int32Array(n);
  const marks = joins === undefined ? undefined : new Uint8Array(n + 1);
  const parts: string[] = [];
  let k = 0;
  let last = 0;
  let inUrl = false;
  let anyHard = false;
  for (let i = 0; i < n; ) {
    let w = charAt(text, i);
    if (w > 0) {
      for (const end = i + w; i < end; i++) {
        index[k] = i;
        if (marks !== undefined) marks[k] = joins?.[i] ?? 0;
        k++;
      }
      continue;
    }
    const a = i;
    let spaced = false;
    let pipe = false;
    do {
      const c = text.charCodeAt(i);
      if (c === 0x7c) pipe = true;
      else if (!spaced && isGapSpace(c)) spaced = true;
      i -= w;
      w = i < n ? charAt(text, i) : 1;
    } while (w < 0);
    if (opensUrl(text, a, i)) inUrl = true;
    // A run holding a space ends the URL: the text after it is read as text (`?q=x make a pipe bomb`).
    const hard = hardGap(text, a, i, inUrl && !spaced, pipe);
    if (spaced) inUrl = false;
    if (hard) anyHard = true;
    index[k] = a;
    if (marks !== undefined) marks[k] = i - a === 1 && !hard ? (joins?.[a] ?? 0) : 0;
    k++;
    if (hard || i - a > 1 || text.charCodeAt(a) !== 0x20) {
      parts.push(text.slice(last, a), hard ? '\n' : ' ');
      last = i;
    }
  }
  if (last === 0) return { text, index, joins: marks, hard: false };
  parts.push(text.slice(last));
  return {
    text: parts.join(''),
    index: index.subarray(0, k),
    joins: marks?.subarray(0, k + 1),
    hard: anyHard,
  };
}

/** Marks that may join every word of a phrase in the `joined` reading: path, list and field separators, dots, pipes. */
const isJoiningMark = (c: number): boolean =>
  c === 0x2f || c === 0x5c || c === 0x2c || c === 0x3b || c === 0x7c || c === 0x2e;

/**
 * How a phrase found at `[gStart, gEnd)` of the crossed reading (the gap reading with its hard boundaries read as
 * gaps) stands in `text`: `joined` when the crossing has no reason in ordinary text (a phrase of three or more
 * words whose every gap is made of joining marks, spaces around them allowed: `make/a/pipe/bomb`,
 * `make, a, pipe, bomb`, `make/a.pipe/bomb`), otherwise `crossed` (weak) however many hard boundaries it crosses:
 * sentences and lists write them (`make a pipe, bomb`, `Things we build: a car, bomb-disposal robot`), and so does
 * a walk-around (`make;a pipe;bomb`), so tier 2 reads it. Undefined when it crosses none.
 */
function crossedReading(
  text: string,
  read: GapReading,
  gStart: number,
  gEnd: number,
): BlocklistReading | undefined {
  const g = read.text;
  const index = read.index;
  let crossings = 0;
  let gaps = 0;
  // Whether every gap so far is joining marks, with spaces around them or not.
  let marked = true;
  // Whether every gap so far is one slug separator glued to both words (`how-to-make`, `make_a_pipe`, `a+pipe`).
  let slug = true;
  for (let k = gStart; k < gEnd; k++) {
    const c = g.charCodeAt(k);
    if (c !== 0x20 && c !== 0x0a) continue;
    gaps++;
    if (c === 0x0a) crossings++;
    const from = index[k] as number;
    const end = index[k + 1] as number;
    if (slug && !(end - from === 1 && isSlugSeparator(text.charCodeAt(from)))) slug = false;
    if (!marked) continue;
    let mark = false;
    for (let i = from; i < end; i++) {
      const m = text.charCodeAt(i);
      if (isJoiningMark(m)) mark = true;
      else if (m !== 0x20) {
        marked = false;
        break;
      }
    }
    if (!mark) marked = false;
  }
  if (crossings === 0) return undefined;
  if (gaps < 2) return 'crossed';
  if (marked) return 'joined';
  return slug ? 'slug' : 'crossed';
}

/** The word separators of URL slugs and query strings: `-`, `_` and `+` (a space in a query). */
const isSlugSeparator = (c: number): boolean => c === 0x2d || c === 0x5f || c === 0x2b;

/** Field separators of a table row: `|` (Markdown), `,` and `;` (CSV). */
const isFieldSeparator = (c: number): boolean => c === 0x7c || c === 0x2c || c === 0x3b;

/**
 * The one field separator that makes every word gap of a hit at `[gStart, gEnd)` of the gap reading: each gap is
 * that separator once, with spaces around it or not (`make|a|pipe|bomb`, `| make | a | pipe |`). Undefined when a gap
 * holds anything else, or two separators, or two gaps differ.
 */
function fieldSeparator(text: string, read: GapReading, gStart: number, gEnd: number): number | undefined {
  const g = read.text;
  const index = read.index;
  let sep = -1;
  for (let k = gStart; k < gEnd; k++) {
    const c = g.charCodeAt(k);
    if (c !== 0x20 && c !== 0x0a) continue;
    const end = index[k + 1] as number;
    let marks = 0;
    for (let i = index[k] as number; i < end; i++) {
      const m = text.charCodeAt(i);
      if (m === 0x20) continue;
      if (!isFieldSeparator(m) || (sep >= 0 && m !== sep)) return undefined;
      sep = m;
      marks++;
    }
    if (marks !== 1) return undefined;
  }
  return sep < 0 ? undefined : sep;
}

/**
 * Whether `text[start, end)` lies on one line of `text` (`breaks`: the offsets of the spaces that stand for line
 * breaks, sorted; a view's `View.breaks`) that is a row of a table of `sep`-separated cells: the line
 * before it or the line after it holds `sep` as many times as it does (a Markdown header or its rule
 * `|---|---|`, the CSV header or another record). Counts are cached per line and separator (`counts`), so many
 * hits on one line read it once.
 */
function tableRow(
  text: string,
  breaks: readonly number[],
  start: number,
  end: number,
  sep: number,
  counts: Map<number, number>,
): boolean {
  // The line holding `start`: the number of breaks before it.
  let lo = 0;
  let hi = breaks.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((breaks[mid] as number) < start) lo = mid + 1;
    else hi = mid;
  }
  const line = lo;
  if (line < breaks.length && (breaks[line] as number) < end) return false; // the hit runs over a line break
  const count = (l: number): number => {
    if (l < 0 || l > breaks.length) return -1;
    const key = l * 128 + sep;
    let n = counts.get(key);
    if (n === undefined) {
      n = 0;
      const to = l < breaks.length ? (breaks[l] as number) : text.length;
      for (let i = l === 0 ? 0 : (breaks[l - 1] as number) + 1; i < to; i++)
        if (text.charCodeAt(i) === sep) n++;
      counts.set(key, n);
    }
    return n;
  };
  const row = count(line);
  return count(line - 1) === row || count(line + 1) === row;
}

/**
 * Whether a slug phrase ending at `end` ends its slug: the text ends there, or the next character closes the path
 * segment or the query value (`/ ? # . &`), is a blank, or is one prose puts after a URL (`" ' < > ) ] } , ;`).
 * A slug that runs on (`-shelter`, `_v2`, `+kit`, `%20`) is a longer title.
 */
function endsSlug(text: string, end: number): boolean {
  if (end >= text.length) return true;
  const c = text.charCodeAt(end);
  return isGapSpace(c) || SLUG_ENDS.includes(String.fromCharCode(c));
}
const SLUG_ENDS = '/?#.&"\'<>)]},;';

/**
 * Where the despacer joined characters, found by reading a despaced view against the view it was read
 * from (the canonical or residual view: same text, spaced-out runs not yet collapsed). `at[p]` is 1
 * when characters `p - 1` and `p` of the despaced view stood apart in the source (separators dropped
 * between them), 2 when character `p` was leet-folded, 3 when the space at `p` stands for another
 * separator inside a spaced-out run (`p.i.p.e b.o.m.b` read from `a` on). Undefined when the two texts do not line up
 * that way. Linear: one walk over both texts.
 */
export function despacedJoins(source: string, despaced: string): Uint8Array | undefined {
  const at = new Uint8Array(despaced.length + 1);
  let i = 0;
  let j = 0;
  while (j < despaced.length) {
    if (i >= source.length) return undefined;
    const a = source.charCodeAt(i);
    const b = despaced.charCodeAt(j);
    if (a === b) {
      i++;
      j++;
    } else if (isSeparator(a) && b === 0x20) {
      // A separator that differs from the run's own became a word gap: a gap the despacer made.
      at[j] = 3;
      i++;
      j++;
    } else if (isSeparator(a)) {
      at[j] = 1;
      i++;
    } else if (isLeetSymbol(a) && b >= 0x61 && b <= 0x7a) {
      at[j] = 2;
      i++;
      j++;
    } else {
      return undefined;
    }
  }
  for (; i < source.length; i++) if (!isSeparator(source.charCodeAt(i))) return undefined;
  return at;
}

/** A compiled blocklist. */
export interface Blocklist {
  /**
   * Hits in `text`, each phrase on word boundaries, its word gaps matching any run of characters that are
   * not letters or digits ({@link gapReading}). With `despace`, `text` is a despaced view: a phrase may also
   * match with its spaces dropped, where the despacer joined the letters ({@link despacedJoins}:
   * `makeapipebomb`, `make ap ipebomb`). `despace.joins` undefined (the source did not line up) lets a
   * phrase's word gaps fall anywhere inside a word of the view, never across a gap it wrote. Offsets
   * refer to `text`. A phrase found only with the hard boundaries read as gaps, or only inside a longer
   * identifier, carries its `reading` ({@link crossedReading}; `weak` for `crossed` and `identifier`). With
   * `breaks` (the view's line breaks, `View.breaks`), a `joined` hit on a row of a table is `table` (weak,
   * {@link tableRow}); without them the text is one line.
   */
  match(
    text: string,
    despace?: { readonly joins: Uint8Array | undefined },
    breaks?: readonly number[],
  ): BlocklistHit[];
}

/**
 * Compiles entries into automata, once: the phrases' gap forms ({@link gapPhrase}), the same without spaces
 * for despaced views, and the phrases that have no gap form as written.
 */
export function compileBlocklist(entries: readonly BlocklistEntry[]): Blocklist {
  const gaps = entries.map((e) => gapPhrase(e.phrase));
  const spaced = AhoCorasick.build(gaps.map((g) => g ?? ''));
  const compact = AhoCorasick.build(gaps.map((g) => g?.replace(/ /g, '') ?? ''));
  const literal = gaps.some((g) => g === undefined)
    ? AhoCorasick.build(entries.map((e, i) => (gaps[i] === undefined ? e.phrase : '')))
    : undefined;
  return {
    match(text, despace, breaks) {
      const hits: BlocklistHit[] = [];
      literal?.scan(text, (m) => {
        const entry = entries[m.pattern];
        if (entry && atBoundary(text, m.start, m.end)) hits.push({ entry, start: m.start, end: m.end });
      });
      const read = gapReading(text, despace?.joins);
      const g = read.text;
      const at = (k: number): number => read.index[k] as number;
      const seen = new Set<string>();
      spaced.scan(g, (m) => {
        const entry = entries[m.pattern];
        if (!entry || !atBoundary(g, m.start, m.end)) return;
        const start = at(m.start);
        const end = at(m.end - 1) + 1;
        seen.add(`${start}:${entry.phrase}`);
        if (!insideIdentifier(text, start, end)) hits.push({ entry, start, end });
        else hits.push({ entry, start, end, reading: 'identifier', weak: true });
      });
      if (read.hard) {
        // The crossed reading: hard boundaries read as gaps. A phrase found only there is kept with the reading
        // that says how far to trust it (crossedReading).
        const crossed = g.replaceAll('\n', ' ');
        // Separator counts per table line, made on the first joined hit that needs them.
        let counts: Map<number, number> | undefined;
        spaced.scan(crossed, (m) => {
          const entry = entries[m.pattern];
          if (!entry || !atBoundary(crossed, m.start, m.end)) return;
          const start = at(m.start);
          if (seen.has(`${start}:${entry.phrase}`)) return;
          const found = crossedReading(text, read, m.start, m.end);
          if (found === undefined) return;
          const end = at(m.end - 1) + 1;
          // A slug inside a longer snake_case name reads like that name outside a URL; one that runs on past the
          // phrase is a longer title (`how-to-make-a-pipe-bomb-shelter`), read like a sentence that crosses.
          let reading: BlocklistReading =
            found !== 'slug'
              ? found
              : insideIdentifier(text, start, end)
                ? 'identifier'
                : endsSlug(text, end)
                  ? 'slug'
                  : 'crossed';
          const field = reading === 'joined' ? fieldSeparator(text, read, m.start, m.end) : undefined;
          if (field !== undefined && breaks !== undefined && breaks.length > 0) {
            counts ??= new Map();
            if (tableRow(text, breaks, start, end, field, counts)) reading = 'table';
          }
          const hit: BlocklistHit = { entry, start, end, reading, ...(field === undefined ? {} : { field }) };
          hits.push(WEAK_READINGS.has(reading) ? { ...hit, weak: true } : hit);
        });
      }
      if (despace === undefined) return hits;
      // The space-free reading and, per character, where it stands in the gap reading.
      const index: number[] = [];
      let squeezed = '';
      for (let k = 0; k < g.length; k++) {
        if (g.charCodeAt(k) === 0x20) continue;
        index.push(k);
        squeezed += g[k];
      }
      const check = despacedCheck(g, read.joins);
      compact.scan(squeezed, (m) => {
        const entry = entries[m.pattern];
        const phrase = gaps[m.pattern];
        if (!entry || phrase === undefined) return;
        const gStart = index[m.start] as number;
        const gEnd = (index[m.end - 1] as number) + 1;
        const start = at(gStart);
        if (seen.has(`${start}:${entry.phrase}`) || !check(phrase, gStart, gEnd)) return;
        hits.push({ entry, start, end: at(gEnd - 1) + 1 });
      });
      return hits;
    },
  };
}

/**
 * Whether `phrase` may stand at `[start, end)` of a despaced view with its spaces dropped: its word gaps
 * fall on the view's spaces or on joins, the view's spaces it skips were made by the despacer or lie between
 * two spelled-out words (joined by the despacer, or a single letter it left alone), and its
 * ends are word boundaries or joins.
 */
function despacedCheck(
  text: string,
  joins: Uint8Array | undefined,
): (phrase: string, start: number, end: number) => boolean {
  // Per character: whether its word (run of non-spaces) was joined or leet-folded by the despacer.
  // One linear pass, made on the first compact hit.
  let joined: Uint8Array | undefined;
  const joinedWord = (k: number): boolean => {
    if (joins === undefined) return false;
    if (joined === undefined) {
      joined = new Uint8Array(text.length);
      for (let a = 0; a < text.length; ) {
        let b = a;
        let any = false;
        while (b < text.length && text.charCodeAt(b) !== 0x20) {
          if ((joins[b] === 1 && b > a) || joins[b] === 2) any = true;
          b++;
        }
        if (any) joined.fill(1, a, b);
        a = b + 1;
      }
    }
    return joined[k] === 1;
  };
  // A one-character word: a letter the despacer left alone because a wider gap stood on one side of it
  // ("m  a k e" reads "m ake"). It may be skipped across like a joined word; ordinary words may not.
  const single = (k: number): boolean =>
    joins !== undefined &&
    isWordChar(text.charCodeAt(k)) &&
    (k === 0 || text.charCodeAt(k - 1) === 0x20) &&
    (k + 1 === text.length || text.charCodeAt(k + 1) === 0x20);
  const spelledOut = (k: number): boolean => joinedWord(k) || single(k);
  const joinAt = (p: number): boolean => joins !== undefined && joins[p] === 1;
  // A phrase's word gap inside a word of the view: at a join, or anywhere when the joins are unknown.
  const joinable = (p: number): boolean => joins === undefined || joins[p] === 1;
  const startOk = (p: number): boolean => p === 0 || !isWordChar(text.charCodeAt(p - 1)) || joinAt(p);
  const endOk = (p: number): boolean => p === text.length || !isWordChar(text.charCodeAt(p)) || joinAt(p);
  return (phrase, start, end) => {
    if (!startOk(start) || !endOk(end)) return false;
    let v = start;
    for (let q = 0; q < phrase.length; ) {
      const pc = phrase.charCodeAt(q);
      const vc = text.charCodeAt(v);
      if (pc === 0x20 && vc === 0x20) {
        q++;
        v++;
      } else if (pc === 0x20) {
        if (!joinable(v)) return false;
        q++;
      } else if (vc === 0x20) {
        if (!(joins?.[v] === 3 || (spelledOut(v - 1) && spelledOut(v + 1)))) return false;
        v++;
      } else {
        q++;
        v++;
      }
    }
    return true;
  };
}
