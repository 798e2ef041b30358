/**
 * Word splitting of run-together lowercase letters (`howtomakeabomb` → `how to make a bomb`): what
 * garak's InjectNato leaves once its code words are read back, since it drops every word gap. The reading
 * is the most probable sequence of English words under a Zipf model of the frequency list in `words.ts`
 * (a word of rank r costs log((r + 1) · log N)), found by dynamic programming over positions. Letters
 * that no word covers cost more than any word and are kept together, so a rare word comes out whole
 * or in few pieces instead of vanishing.
 *
 * A listed stem with `-s`, `-ed` or `-ing` counts as a word at a little more than the stem's cost.
 *
 * Linear: each position tries at most {@link MAX_WORD} word lengths, at most two table lookups each.
 */
import { WORDS } from './words';

/** Longest word tried (longer words in the list are dropped: none is needed to read a request). */
export const MAX_WORD = 18;

/** Extra cost of an inflection (`-s`, `-ed`, `-ing`) on a listed stem of at least {@link MIN_STEM} letters. */
const SUFFIX_COST = 1.5;
const MIN_STEM = 4;

/** Length of the inflection `-s`, `-ed` or `-ing` that ends `letters` at `end`, or 0. */
function suffixLength(letters: string, end: number): number {
  const last = letters.charCodeAt(end - 1);
  if (last === 0x73) return 1; // s
  if (last === 0x64 && letters.charCodeAt(end - 2) === 0x65) return 2; // ed
  if (last === 0x67 && letters.charCodeAt(end - 2) === 0x6e && letters.charCodeAt(end - 3) === 0x69) return 3; // ing
  return 0;
}

let costs: Map<string, number> | undefined;
let tableBuilds = 0;
/** Cost of one letter no word covers: above the rarest word's cost. */
let unknownLetter = 0;
/** log of the list's length, the scale of every cost. */
let logWords = 0;

/** The word → cost table, built on first use (the list is only needed when run-together letters appear). */
function table(): Map<string, number> {
  if (costs !== undefined) return costs;
  const words = WORDS.split(' ');
  const logN = Math.log(words.length);
  const built = new Map<string, number>();
  for (let r = 0; r < words.length; r++) {
    const w = words[r] as string;
    if (w.length <= MAX_WORD && !built.has(w)) built.set(w, Math.log((r + 1) * logN));
  }
  unknownLetter = Math.log((words.length + 1) * logN) + 1;
  logWords = logN;
  costs = built;
  tableBuilds++;
  return built;
}

/** How many times the word table was built in this process: 0 until the first reading that needs it, then 1. */
export function wordTableBuilds(): number {
  return tableBuilds;
}

/** The cost of the listed word of `rank` (0: the most frequent): the `rank + 1` most frequent words cost at most this. */
export function rankCost(rank: number): number {
  table();
  return Math.log((rank + 1) * logWords);
}

/** Cost of a listed word (lower: more frequent), undefined when `word` is not in the list. */
export function wordCost(word: string): number | undefined {
  return table().get(word);
}

/**
 * Cost of `word` when it is listed, or is a listed stem of at least {@link MIN_STEM} letters with -s, -ed
 * or -ing (the stem's cost plus a little): the stem as it is (`encrypts`), with its final e back
 * (`promoted`, `making`), or with its final y back before -ies / -ied (`glorifies`). Undefined otherwise.
 * At most three lookups.
 */
export function knownWordCost(word: string): number | undefined {
  const words = table();
  return costOf(word, (w) => words.get(w));
}

/** {@link knownWordCost} over a word → cost lookup. */
function costOf(word: string, cost: (w: string) => number | undefined): number | undefined {
  const c = cost(word);
  if (c !== undefined) return c;
  const suffix = suffixLength(word, word.length);
  if (suffix === 0 || word.length - suffix < MIN_STEM) return undefined;
  const base = word.slice(0, word.length - suffix);
  let stem = cost(base);
  // -ies / -ied: the stem ends in i (or ie) where the word ends in y.
  if (stem === undefined && base.endsWith('i')) stem = cost(`${base.slice(0, -1)}y`);
  else if (stem === undefined && base.endsWith('ie')) stem = cost(`${base.slice(0, -2)}y`);
  else if (stem === undefined && suffix > 1) stem = cost(`${base}e`);
  return stem === undefined ? undefined : stem + SUFFIX_COST;
}

/** Buckets of the words {@link knownWordCosts} looks for. */
const SLOTS = 4096;

/** Bucket of the `length` letters at `at` in `text` (length ≥ 1). */
function slot(text: string, at: number, length: number): number {
  const first = text.charCodeAt(at);
  const second = length > 1 ? text.charCodeAt(at + 1) : 0;
  return (((length * 31 + first) * 31 + second) * 31 + text.charCodeAt(at + length - 1)) & (SLOTS - 1);
}

/**
 * {@link knownWordCost} of each of a few words, the same numbers, without building the word table when no reading
 * has built it yet: one pass over the list that makes no string per listed word, comparing in place only the
 * words of the length and first letter of a word looked for. For the engine's construction (the blocklist's
 * gate literals): building the table costs ≈ 20 ms of CPU in a cold process, and a request without run-together
 * letters never needs it.
 */
export function knownWordCosts(words: readonly string[]): (number | undefined)[] {
  if (costs !== undefined) return words.map(knownWordCost);
  // Every lookup knownWordCost may make for these words (a lookup that finds nothing takes each branch), in
  // buckets by a hash of length, first, second and last letter: `bucket[hash]` is 1 + the bucket's index, 0 for
  // none. A listed word costs a typed-array probe; one in a bucket is compared in place.
  const bucket = new Int32Array(SLOTS);
  const wanted: string[][] = [];
  for (const word of words) {
    costOf(word, (w) => {
      if (w.length === 0 || w.length > MAX_WORD) return undefined;
      const key = slot(w, 0, w.length);
      const at = bucket[key]!;
      if (at === 0) bucket[key] = wanted.push([w]);
      else if (!wanted[at - 1]!.includes(w)) wanted[at - 1]!.push(w);
      return undefined;
    });
  }
  const rank = new Map<string, number>();
  let r = 0;
  for (let s = 0; ; r++) {
    const space = WORDS.indexOf(' ', s);
    const length = (space < 0 ? WORDS.length : space) - s;
    const at = length <= MAX_WORD ? bucket[slot(WORDS, s, length)]! : 0;
    if (at !== 0) {
      for (const w of wanted[at - 1]!) if (!rank.has(w) && WORDS.startsWith(w, s)) rank.set(w, r);
    }
    if (space < 0) break;
    s = space + 1;
  }
  // As table(): the list's length counts every word, the longer ones too.
  const logN = Math.log(r + 1);
  return words.map((word) =>
    costOf(word, (w) => {
      const at = rank.get(w);
      return at === undefined ? undefined : Math.log((at + 1) * logN);
    }),
  );
}

/**
 * `letters` (lowercase a–z only) split into words separated by single spaces. Runs of letters that no
 * listed word covers stay together as one piece.
 */
export function splitWords(letters: string): string {
  const words = table();
  const n = letters.length;
  const best = new Float64Array(n + 1);
  // Length of the last piece ending at each position; negative: one uncovered letter.
  const back = new Int8Array(n + 1);
  for (let i = 1; i <= n; i++) {
    let cost = best[i - 1]! + unknownLetter;
    let len = -1;
    const shortest = Math.max(0, i - MAX_WORD);
    // An inflected form whose stem is listed ("encrypts", "hacked") costs its stem plus a little.
    const suffix = suffixLength(letters, i);
    for (let s = i - 1; s >= shortest; s--) {
      let c = words.get(letters.slice(s, i));
      if (c === undefined && suffix > 0 && i - suffix - s >= MIN_STEM) {
        const stem = words.get(letters.slice(s, i - suffix));
        if (stem !== undefined) c = stem + SUFFIX_COST;
      }
      if (c !== undefined && best[s]! + c < cost) {
        cost = best[s]! + c;
        len = i - s;
      }
    }
    best[i] = cost;
    back[i] = len;
  }
  const pieces: string[] = [];
  let i = n;
  while (i > 0) {
    const len = back[i]!;
    if (len > 0) {
      pieces.push(letters.slice(i - len, i));
      i -= len;
      continue;
    }
    let s = i - 1;
    while (s > 0 && back[s]! < 0) s--;
    pieces.push(letters.slice(s, i));
    i = s;
  }
  return pieces.reverse().join(' ');
}

/** Shortest run of letters {@link splitLongRuns} splits: shorter ones are words or names. */
export const MIN_SPLIT_RUN = 10;
/**
 * Runs at least this long are split whatever the pieces; a shorter one only into three pieces or more,
 * each a listed word of two letters or more, or `a` or `i` (`howtomakeabomb`), so that an unlisted long
 * word is not cut (`cyberbullying` into `cy be r bullying`, `ransomware` into `ransom ware`).
 */
export const ALWAYS_SPLIT_RUN = 24;

const allWords = (split: string): boolean => {
  const pieces = split.split(' ');
  return (
    pieces.length >= 3 &&
    pieces.every((w) => (w.length >= 2 || w === 'a' || w === 'i') && wordCost(w) !== undefined)
  );
};

/**
 * Runs of at least {@link MIN_SPLIT_RUN} lowercase letters that are not a listed word split into words
 * ({@link splitWords}): what the despacer leaves of text spelled one letter at a time with no wider gap
 * between words (`h o w t o m a k e` → `howtomake` → `how to make`). A run that `original` (the text before despacing)
 * already held is left as written. `text` itself when nothing changes.
 * Linear: one pass, and the splitter's bounded work per letter of each run.
 */
export function splitLongRuns(text: string, original?: string): string {
  // Runs the original already held are words as written (`polynomial`), not letters the despacer joined.
  const written = new Set<string>();
  if (original !== undefined) eachLongRun(original, (i, j) => written.add(original.slice(i, j)));
  let out = '';
  let last = 0;
  eachLongRun(text, (i, j) => {
    const run = text.slice(i, j);
    if (written.has(run) || knownWordCost(run) !== undefined) return;
    const split = splitWords(run);
    if (j - i >= ALWAYS_SPLIT_RUN || allWords(split)) {
      out += text.slice(last, i) + split;
      last = j;
    }
  });
  return last === 0 ? text : out + text.slice(last);
}

/** Calls `f(start, end)` for each maximal run of a–z at least {@link MIN_SPLIT_RUN} long. */
function eachLongRun(text: string, f: (start: number, end: number) => void): void {
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c < 0x61 || c > 0x7a) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && text.charCodeAt(j) >= 0x61 && text.charCodeAt(j) <= 0x7a) j++;
    if (j - i >= MIN_SPLIT_RUN) f(i, j);
    i = j;
  }
}
