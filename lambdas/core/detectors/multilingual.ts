/**
 * A word-for-word English gloss of French, Spanish, German, Portuguese and Italian text, so the
 * English-trained tiers can read requests in those languages ("comment fabriquer une bombe" → "how
 * make a bomb"). No translation model: the hand-written word lists of `gloss-lexicon.ts` (request
 * framing, the harm concepts of the tier-1 concept lexicon, everyday words, verbs as infinitives whose
 * regular forms are generated here), plus plural and gender endings, German compounds and cognate
 * endings checked against the normalizer's English word list. Unknown words pass through unchanged
 * (many harm terms are shared: fentanyl, phishing, ddos, malware).
 *
 * Linear in the text: one tokenizing pass, greedy longest match over at most four words through hash
 * lookups, and a bounded number of lookups per word. The language is guessed from function words
 * (more of one language's than English ones) for the whole text, then per sentence and per window of a
 * few words, so a French request inside English padding is glossed while English text never is. docs/normalization.md ("Multilingual gloss view") has the measurements.
 */
import { CONCEPTS } from '../classifier/lexicon';
import { FUNCTION_WORDS } from '../normalize/function-words';
import { wordCost } from '../normalize/segment';
import { codeUnits, foldAccents } from '../normalize/text';
import type { NormalizedSegment } from '../types';
import { isAsciiText } from '../util/ascii';
import { NOUNS, SENSES, VERBS, WORDS } from './gloss-lexicon';

export type GlossLanguage = 'fr' | 'es' | 'de' | 'pt' | 'it';

/** Function words used to recognise each language (normalize/function-words.ts, shared with the accent gate). */
const STOPWORDS = FUNCTION_WORDS;

const LANGS: readonly GlossLanguage[] = ['fr', 'es', 'de', 'pt', 'it'];

/** Word tokens: letters/digits, hyphenated compounds kept whole (peux-tu, donne-moi). Linear (recheck). */
export const TOKEN_RE = /[\p{L}\p{N}]+(?:-[\p{L}\p{N}]+)*/gu;
/** Runs of combining marks, dropped after NFD. */
export const MARKS_RE = /\p{M}+/gu;

export { foldAccents };

interface Dictionary {
  readonly entries: ReadonlyMap<string, string>;
  /** Everyday readings of harm words (`SENSES`), phrases of two words or more. */
  readonly senses: ReadonlyMap<string, string>;
  /** Most words in a key of `entries` or `senses`. */
  readonly maxWords: number;
  /** First words of the phrases of `entries`: only a token that is one starts a phrase probe. */
  readonly heads: ReadonlySet<string>;
  /** One-word keys that are generated verb forms (and not also a listed word or noun). */
  readonly verbs: ReadonlySet<string>;
}

/** The tokens of a lexicon key, folded and tokenized like the text it is matched against. */
function keyOf(source: string): string {
  return (foldAccents(source).match(TOKEN_RE) ?? []).join(' ');
}

function pairs(spec: string): Array<readonly [string, string]> {
  return spec.split('|').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`multilingual lexicon: bad entry "${pair}"`);
    return [keyOf(pair.slice(0, eq)), pair.slice(eq + 1).trim()] as const;
  });
}

/**
 * Regular conjugated forms of each infinitive ending (the ending replaced by each suffix), covering
 * the present, the imperative, the participles, the gerund and the pronouns written onto the verb
 * (`dame`, `scrivimi`). Accent-folded like the text.
 */
const CONJUGATIONS: Readonly<Record<GlossLanguage, ReadonlyArray<readonly [string, string]>>> = {
  fr: [
    ['er', 'er e es ent ez ons ee ees ant ais ait aient era erai erait eront erez'],
    ['ir', 'ir is it issent issez issons i ie ies issant ira irai'],
    ['re', 're s t ent ez ons u ue us ant sent sez sons sant it ite its'],
  ],
  es: [
    [
      'ar',
      'ar o as a amos an e es en emos ando ado ada ados adas aria aron arlo arla arlos arlas arle arles arme arte arse andolo andola ame alo ala',
    ],
    ['er', 'er o es e emos en a as an iendo ido ida idos idas eria io erlo erla erle erme erse eme elo'],
    ['ir', 'ir o es e imos en a as an iendo ido ida idos idas iria io irlo irla irle irme irse eme elo'],
  ],
  pt: [
    ['ar', 'ar o as a amos am e es em ando ado ada ados adas ei ou aria'],
    ['er', 'er o es e emos em a as am endo ido ida idos idas eu eria'],
    ['ir', 'ir o es e imos em a as am indo ido ida idos idas iu iria'],
  ],
  it: [
    ['arsi', 'arsi arsi o i a iamo ate ano ando ato ata ati arlo armi ami'],
    [
      'are',
      'are o i a iamo ate ano ando ato ata ati ino ava avo era ero erebbe arlo arla arli arle armi arti arsi ami alo ala',
    ],
    ['rre', 'rre co ci ce cono ciamo cete cendo ca tto tta tti'],
    ['ere', 'ere o i e iamo ete ono endo uto uta uti a ano eva erlo erla ermi ersi imi'],
    [
      'ire',
      'ire o i e iamo ite ono endo ito ita iti a ano isco isci isce iscono isca iva irlo irla irmi irsi imi iscimi',
    ],
  ],
  de: [
    ['ieren', 'ieren iere ierst iert ieren ierte ierten ierend'],
    ['en', 'en e st t et te ten test tet end'],
    ['ln', 'ln le lst lt lte lten'],
    ['rn', 'rn re rst rt rte rten'],
  ],
};

/** German verb prefixes that take no `ge-` in the past participle. */
const DE_INSEPARABLE = ['be', 'ent', 'emp', 'er', 'ge', 'miss', 'ver', 'zer', 'uber', 'hinter', 'wider'];
/** German separable prefixes: participle `prefix + ge + stem + t`, infinitive with `zu` inside. */
const DE_SEPARABLE = [
  'ab',
  'an',
  'auf',
  'aus',
  'bei',
  'ein',
  'fest',
  'frei',
  'her',
  'hin',
  'los',
  'mit',
  'nach',
  'um',
  'vor',
  'weg',
  'zu',
  'zuruck',
  'zusammen',
  'kaputt',
];

/** Shortest generated verb form kept: shorter ones collide with unrelated words too easily. */
const MIN_FORM = 4;

/** The regular forms of the infinitive `verb` (one word) in `lang`, the infinitive included. */
export function conjugate(verb: string, lang: GlossLanguage): string[] {
  const out = new Set<string>([verb]);
  const rule = CONJUGATIONS[lang].find(
    ([ending]) => verb.endsWith(ending) && verb.length > ending.length + 1,
  );
  if (!rule) return [...out];
  const stem = verb.slice(0, -rule[0].length);
  for (const suffix of rule[1].split(' ')) out.add(stem + suffix);
  if (lang === 'fr' && rule[0] === 're') out.add(stem);
  if (lang === 'de') {
    const s = verb.endsWith('ieren') ? `${stem}ier` : stem;
    const t = /[td]$/.test(s) ? 'et' : 't';
    const sep = DE_SEPARABLE.find((p) => s.startsWith(p) && s.length > p.length + 2);
    if (verb.endsWith('ieren') || DE_INSEPARABLE.some((p) => s.startsWith(p) && s.length > p.length + 2)) {
      out.add(s + t);
    } else if (sep) {
      const rest = verb.slice(sep.length);
      out.add(`${sep}ge${s.slice(sep.length)}${t}`);
      out.add(`${sep}zu${rest}`);
    } else {
      out.add(`ge${s}${t}`);
    }
  }
  return [...out].filter((f) => f.length >= MIN_FORM || f === verb);
}

/**
 * The keys a generated verb form must not take: the language's common nouns (`NOUNS`) and every
 * listed word (`WORDS`). The infinitive itself is listed by the verb list and always kept.
 */
export function compile(lang: GlossLanguage): Dictionary {
  const entries = new Map<string, string>();
  const verbs = new Set<string>();
  const nouns = pairs(NOUNS[lang]);
  const reserved = new Set(nouns.map(([k]) => k));
  // Generated forms first (the first verb to claim a form keeps it), then nouns and listed words.
  for (const [key, english] of pairs(VERBS[lang])) {
    const words = key.split(' ');
    // A verb phrase (`faire exploser`, `far saltare`): its first word is the one that conjugates.
    const head = words[0]!;
    for (const form of conjugate(head, lang)) {
      const k = [form, ...words.slice(1)].join(' ');
      if (form !== head && reserved.has(k)) continue;
      if (!entries.has(k)) {
        entries.set(k, english);
        if (words.length === 1) verbs.add(k);
      }
    }
  }
  for (const [key, english] of nouns) {
    entries.set(key, english);
    verbs.delete(key);
  }
  for (const [key, english] of pairs(WORDS[lang])) {
    entries.set(key, english);
    verbs.delete(key);
  }
  const senses = new Map(pairs(SENSES[lang]));
  let maxWords = 1;
  const heads = new Set<string>();
  for (const k of entries.keys()) {
    const words = k.split(' ');
    maxWords = Math.max(maxWords, words.length);
    if (words.length > 1) heads.add(words[0]!);
  }
  // Senses of every language are probed (ALL_SENSES): the longest of them bounds the phrase length too.
  for (const l of LANGS)
    for (const [k] of pairs(SENSES[l])) maxWords = Math.max(maxWords, k.split(' ').length);
  return { entries, senses, maxWords, heads, verbs };
}

let dictionaries: ReadonlyMap<GlossLanguage, Dictionary> | undefined;
let dictionaryBuilds = 0;

/**
 * The five compiled lexicons (every generated verb form included), built on the first gloss, i.e. the
 * first text that reads as one of the five languages: the build is most of this module's load cost,
 * which English-only traffic, and every cold start, no longer pays (docs/normalization.md).
 */
function dicts(): ReadonlyMap<GlossLanguage, Dictionary> {
  if (dictionaries === undefined) {
    dictionaries = new Map(LANGS.map((l) => [l, compile(l)]));
    dictionaryBuilds += 1;
  }
  return dictionaries;
}

/** How many times the lexicons were compiled in this process: 0 until the first gloss, then 1. */
export function glossLexiconBuilds(): number {
  return dictionaryBuilds;
}
/** The everyday senses of all five languages (a phrase read under a neighbouring language's guess). */
const ALL_SENSES: ReadonlyMap<string, string> = new Map(LANGS.flatMap((l) => pairs(SENSES[l])));
/** First words of the senses: only a phrase starting with one is probed for a sense. */
const SENSE_HEADS: ReadonlySet<string> = new Set([...ALL_SENSES.keys()].map((k) => k.split(' ')[0]!));
const STOPS: ReadonlyMap<GlossLanguage | 'en', ReadonlySet<string>> = new Map(
  (Object.keys(STOPWORDS) as (GlossLanguage | 'en')[]).map((l) => [l, new Set(STOPWORDS[l].split(' '))]),
);

/**
 * Function words that also stand in English prose, names and code (`per`, `come`, `die`, `Los
 * Angeles`, `x = y`, `gmail.com`): they count when the whole text is guessed, not for a sentence or a
 * window of English text to read foreign on its own (one-letter words are weak too).
 */
const WEAK_STOPWORDS: ReadonlySet<string> = new Set(
  'per com con come die man me do no in so son sin era ad al da mi ma os em en er es el la las los de hay sus est pas dos mas'.split(
    ' ',
  ),
);
/** Bit of a function word that a sentence or window counts: `1 << (STRONG + i)` for `LANGS[i]`. */
const STRONG = 8;

/**
 * Stopword → bit per language that lists it (bit i: LANGS[i]; bit 5: English), plus bit `STRONG + i`
 * when it is not weak ({@link WEAK_STOPWORDS}).
 */
const STOP_BITS: ReadonlyMap<string, number> = (() => {
  const bits = new Map<string, number>();
  const all: readonly (GlossLanguage | 'en')[] = [...LANGS, 'en'];
  all.forEach((l, i) => {
    const strong = l !== 'en' ? 1 << (STRONG + i) : 0;
    for (const w of STOPS.get(l)!) {
      const weak = w.length < 2 || WEAK_STOPWORDS.has(w);
      bits.set(w, (bits.get(w) ?? 0) | (1 << i) | (weak ? 0 : strong));
    }
  });
  return bits;
})();
const EN_BIT = LANGS.length;
const MAX_STOPWORD = Math.max(...[...STOP_BITS.keys()].map((w) => w.length));

/** The language with the most function words in `counts` (LANGS order, then English), if any wins. */
function winner(counts: ArrayLike<number>): GlossLanguage | undefined {
  let best: GlossLanguage | undefined;
  let bestN = 1;
  LANGS.forEach((l, i) => {
    const n = counts[i]!;
    if (n > bestN) {
      best = l;
      bestN = n;
    }
  });
  return best !== undefined && bestN > counts[EN_BIT]! ? best : undefined;
}

/**
 * The language of a sentence or window from its `counts` (indexed by bit): the one with the most
 * function words among those with two strong ones or more, when it has more than English.
 */
function unitWinner(counts: ArrayLike<number>): GlossLanguage | undefined {
  let best = -1;
  let bestN = 0;
  for (let i = 0; i < LANGS.length; i++) {
    if (counts[STRONG + i]! >= 2 && counts[i]! > bestN) {
      best = i;
      bestN = counts[i]!;
    }
  }
  return best >= 0 && bestN > counts[EN_BIT]! ? LANGS[best] : undefined;
}

/** FNV-1a of `word`'s code units (lowercase ASCII stopwords), as a signed 32-bit integer. */
function fnv1a(word: string): number {
  let h = 0x811c9dc5 | 0;
  for (let k = 0; k < word.length; k++) h = Math.imul(h ^ word.charCodeAt(k), 0x01000193);
  return h;
}

/**
 * Stopwords (all lowercase ASCII) in an open-addressing table keyed by {@link fnv1a}: slot → 1 + index
 * of the word in `STOP_WORDS` (0: empty). Integer probes instead of a `Map` lookup per token.
 */
const STOP_SLOTS = 1024;
const STOP_WORDS: readonly string[] = [...STOP_BITS.keys()];
const STOP_WORD_BITS = Int32Array.from(STOP_WORDS, (w) => STOP_BITS.get(w)!);
const STOP_HASH = new Int32Array(STOP_SLOTS);
const STOP_SLOT = new Int32Array(STOP_SLOTS);
if (STOP_WORDS.length * 2 > STOP_SLOTS) throw new Error('multilingual: stopword table too small');
STOP_WORDS.forEach((w, i) => {
  const h = fnv1a(w);
  let slot = h & (STOP_SLOTS - 1);
  while (STOP_SLOT[slot] !== 0) slot = (slot + 1) & (STOP_SLOTS - 1);
  STOP_HASH[slot] = h;
  STOP_SLOT[slot] = i + 1;
});

/**
 * Language bits of the stopword spelled by ASCII `b[s, e)` in any case, or 0, given `h`, the
 * {@link fnv1a} of the lowercased span. Allocates nothing.
 */
function stopBits(b: Uint16Array, s: number, e: number, h: number): number {
  for (let slot = h & (STOP_SLOTS - 1); STOP_SLOT[slot] !== 0; slot = (slot + 1) & (STOP_SLOTS - 1)) {
    if (STOP_HASH[slot] !== h) continue;
    const index = STOP_SLOT[slot]! - 1;
    const w = STOP_WORDS[index]!;
    if (w.length !== e - s) continue;
    let k = 0;
    for (; k < w.length; k++) {
      const c = b[s + k]!;
      if ((c >= 65 && c <= 90 ? c + 32 : c) !== w.charCodeAt(k)) break;
    }
    if (k === w.length) return STOP_WORD_BITS[index]!;
  }
  return 0;
}

/**
 * Code unit → its lowercase form when `[A-Za-z0-9]`, else 0 (every non-ASCII code unit included).
 * Indexed by any UTF-16 code unit, so the scan needs no range test before the lookup.
 */
const ALNUM_LOWER = new Uint8Array(65536);
for (let c = 48; c <= 57; c++) ALNUM_LOWER[c] = c;
for (let c = 97; c <= 122; c++) ALNUM_LOWER[c] = c;
for (let c = 65; c <= 90; c++) ALNUM_LOWER[c] = c + 32;

/**
 * Tokens in a row that are guessed as one unit inside text that does not read as one of the five
 * languages as a whole: a foreign sentence without punctuation inside English padding still fills a
 * window of its own. Six tokens hold a short request's two function words with room for at most two
 * English ones around them; a longer window lets English padding words outvote them.
 */
export const GUESS_WINDOW = 6;

/**
 * Code units that end a sentence for the language guess (`.`, `!`, `?`, `;`, `:`, line breaks, `¿`,
 * `¡`, the ellipsis): the guess is made per sentence as well as per window.
 */
const SENTENCE_END = new Uint8Array(65536);
for (const c of '.!?;:\n\r\u2026\u00bf\u00a1\u3002') SENTENCE_END[c.charCodeAt(0)] = 1;

/**
 * The language each token is read in, from its function-word bits (`bits[i]`, {@link STOP_BITS}) and
 * sentence starts (`starts[i]` = 1: a sentence mark stands before token `i`): the whole text's guess
 * when it has one (every token), else per sentence, then per window of {@link GUESS_WINDOW} tokens; a
 * token keeps the first language it is given. Writes `LANGS` indexes (or -1) into `out` when given;
 * without `out`, stops at the first unit that reads foreign. Returns whether any token does. Linear:
 * each token enters and leaves the running counts once.
 */
function unitLanguages(
  bits: ArrayLike<number>,
  starts: ArrayLike<number>,
  n: number,
  out?: Int8Array,
): boolean {
  const counts = new Int32Array(STRONG + LANGS.length);
  const add = (b: number, d: number) => count(counts, b, d);
  const mark = (from: number, to: number, lang: GlossLanguage) => {
    if (out) for (let k = from; k < to; k++) if (out[k] === -1) out[k] = LANGS.indexOf(lang);
  };
  out?.fill(-1);
  for (let i = 0; i < n; i++) add(bits[i]!, 1);
  const whole = winner(counts);
  if (whole !== undefined) {
    mark(0, n, whole);
    return true;
  }
  let any = false;
  // Sentences.
  counts.fill(0);
  let from = 0;
  for (let i = 0; i <= n; i++) {
    if (i === n || (i > from && starts[i] === 1)) {
      const lang = unitWinner(counts);
      if (lang !== undefined) {
        if (!out) return true;
        any = true;
        mark(from, i, lang);
      }
      counts.fill(0);
      from = i;
    }
    if (i < n) add(bits[i]!, 1);
  }
  // Windows of GUESS_WINDOW tokens, across sentence marks too.
  if (n < GUESS_WINDOW) return any;
  counts.fill(0);
  let marked = 0;
  for (let i = 0; i < n; i++) {
    add(bits[i]!, 1);
    if (i >= GUESS_WINDOW) add(bits[i - GUESS_WINDOW]!, -1);
    if (i < GUESS_WINDOW - 1) continue;
    const lang = unitWinner(counts);
    if (lang === undefined) continue;
    if (!out) return true;
    any = true;
    markWindow(i + 1 - GUESS_WINDOW, Math.max(marked, i + 1 - GUESS_WINDOW), i + 1, lang);
    marked = i + 1;
  }
  return any;

  /**
   * Marks the tokens from `from` to `to` of the window that starts at `first` in `lang`, sentence by
   * sentence: a sentence's part of the window is marked only when it holds one of `lang`'s function words
   * itself. A window that reads German across a sentence mark (`Das ist der Plan: a gift in her coffee`)
   * would otherwise gloss the English sentence after it (`gift` → poison).
   */
  function markWindow(first: number, from: number, to: number, lang: GlossLanguage): void {
    const bit = 1 << LANGS.indexOf(lang);
    for (let a = first; a < to; ) {
      let b = a + 1;
      while (b < to && starts[b] !== 1) b++;
      if (b > from) {
        let own = false;
        for (let k = a; k < b && !own; k++) own = (bits[k]! & bit) !== 0;
        if (own) mark(Math.max(a, from), b, lang);
      }
      a = b;
    }
  }
}

/** Adds `d` to `counts[k]` for every bit `k` set in `bits`. */
function count(counts: Int32Array, bits: number, d: number): void {
  for (let m = bits; m !== 0; m &= m - 1) {
    const k = 31 - Math.clz32(m & -m);
    counts[k] = counts[k]! + d;
  }
}

/** How many strong bits (`STRONG + i`) `bits` has. */
function strongCount(bits: number): number {
  let k = 0;
  for (let m = bits >>> STRONG; m !== 0; m &= m - 1) k++;
  return k;
}

/** Running counts of {@link mayReadForeign}: the whole text, the sentence, the window; reused. */
const WHOLE = new Int32Array(STRONG + 5);
const SENTENCE = new Int32Array(STRONG + 5);
const WINDOW = new Int32Array(STRONG + 5);
const RING = new Int32Array(GUESS_WINDOW);

/**
 * Whether some part of ASCII `text` reads as one of the five languages — what {@link unitLanguages}
 * decides on its tokens (the whole text, a sentence, a window) — without folding or tokenizing it: for
 * ASCII, folding is lowercasing, and the tokens of {@link TOKEN_RE} are runs of `[a-z0-9]` joined by
 * single hyphens (a hyphenated token is never a function word). One pass that hashes each token as it
 * reads it and keeps the three running counts; no token strings, and it stops at the first sentence
 * or window that reads foreign. English text takes this path and is never glossed unless it says so.
 */
export function mayReadForeign(text: string): boolean {
  const n = text.length;
  const b = codeUnits(text);
  WHOLE.fill(0);
  SENTENCE.fill(0);
  WINDOW.fill(0);
  RING.fill(0);
  let tokens = 0;
  let inSentence = 0;
  /** Strong function words in the window, of any language. */
  let strong = 0;
  let sentence = false;
  let i = 0;
  while (i < n) {
    let c = ALNUM_LOWER[b[i]!]!;
    if (c === 0) {
      if (SENTENCE_END[b[i]!] === 1) sentence = true;
      i++;
      continue;
    }
    const s = i;
    let h = 0x811c9dc5 | 0;
    let hyphen = false;
    for (;;) {
      while (c !== 0) {
        h = Math.imul(h ^ c, 0x01000193);
        i++;
        c = i < n ? ALNUM_LOWER[b[i]!]! : 0;
      }
      if (i + 1 >= n || b[i] !== 45) break;
      c = ALNUM_LOWER[b[i + 1]!]!;
      if (c === 0) break;
      hyphen = true;
      i++;
    }
    const bits = hyphen || i - s > MAX_STOPWORD ? 0 : stopBits(b, s, i, h);
    if (sentence) {
      if (inSentence > 0 && unitWinner(SENTENCE) !== undefined) return true;
      SENTENCE.fill(0);
      inSentence = 0;
      sentence = false;
    }
    const slot = tokens % GUESS_WINDOW;
    const leaving = RING[slot]!;
    RING[slot] = bits;
    tokens++;
    inSentence++;
    if (leaving !== 0) {
      count(WINDOW, leaving, -1);
      strong -= strongCount(leaving);
    }
    if (bits !== 0) {
      count(WHOLE, bits, 1);
      count(SENTENCE, bits, 1);
      count(WINDOW, bits, 1);
      strong += strongCount(bits);
    }
    // A window is read once it is full, then again only when a function word came or went; a language wins
    // a window only with two strong function words of its own, so fewer than two in all cannot win.
    if (
      strong >= 2 &&
      (tokens === GUESS_WINDOW || (tokens > GUESS_WINDOW && (bits | leaving) !== 0)) &&
      unitWinner(WINDOW) !== undefined
    )
      return true;
  }
  return winner(WHOLE) !== undefined || (inSentence > 0 && unitWinner(SENTENCE) !== undefined);
}

/**
 * Word tokens of accent-folded text and, per token, what stands before it: 1 a sentence mark, 2 a
 * comma (a clause boundary for German word order), else 0.
 */
function tokenizeSentences(folded: string): { readonly tokens: string[]; readonly starts: Uint8Array } {
  const tokens: string[] = [];
  const at: number[] = [];
  let last = 0;
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(folded); m !== null; m = TOKEN_RE.exec(folded)) {
    let start = 0;
    for (let k = last; k < m.index; k++) {
      const c = folded.charCodeAt(k);
      if (SENTENCE_END[c] === 1) start = 1;
      else if (c === 0x2c && start === 0) start = 2;
    }
    at.push(start);
    tokens.push(m[0]);
    last = m.index + m[0].length;
  }
  return { tokens, starts: Uint8Array.from(at) };
}

/** `ending>replacement` pairs, space-separated, in the order they are tried (`os>` drops `os`). */
function endings(spec: string): ReadonlyArray<readonly [string, string]> {
  return spec.split(' ').map((pair) => {
    const [ending = '', replacement = ''] = pair.split('>');
    return [ending, replacement] as const;
  });
}

/**
 * Plural and gender endings tried on a word the lexicon does not list, per language: `[ending,
 * replacement]`, in order (`bombes` → `bombe`, `bambini` → `bambino`, `Nachbarn` → `Nachbar`).
 */
const INFLECTIONS: Readonly<Record<GlossLanguage, ReadonlyArray<readonly [string, string]>>> = {
  fr: endings('s> x> e> es> aux>al'),
  es: endings('s> es> a>o as>o os>o ces>z'),
  pt: endings('s> es> a>o as>o os>o ns>m oes>ao ais>al'),
  it: endings('gi>gio ci>cio i>o e>a i>e a>o he>a hi>o i>a'),
  de: endings('n> en> e> er> es> s> nen>'),
};

/**
 * Cognate endings, per language: `[ending, English ending]`. Tried only on words no lexicon lists, and a
 * result is used only when it is an English word (the normalizer's word list): `vulnerabilidad` →
 * `vulnerability`, `permanentemente` → `permanently`, `Skript` → `script`.
 */
const COGNATES: Readonly<Record<GlossLanguage, ReadonlyArray<readonly [string, string]>>> = {
  fr: endings(
    'tions>tions ites>ities ite>ity euse>ous eux>ous iques>ics ique>ic isme>ism iste>ist ives>ive if>ive aire>ary ement>ly ees>ed ee>ed es> s> e>',
  ),
  es: endings(
    'ciones>tions cion>tion idades>ities idad>ity dad>ty osos>ous osas>ous oso>ous osa>ous icos>ic icas>ic ico>ic ica>ic ismo>ism istas>ists ista>ist icamente>ically amente>ly amente>ely emente>ly mente>ly ivos>ive ivas>ive ivo>ive iva>ive ables>able ibles>ible ales>al encia>ence ancia>ance ario>ary aria>ary entes>ent ente>ent antes>ant ante>ant ados>ated ado>ated os> as> es> o> a> e>',
  ),
  pt: endings(
    'coes>tions cao>tion idades>ities idade>ity dade>ty osos>ous oso>ous osa>ous icos>ic ico>ic ica>ic ismo>ism ista>ist icamente>ically amente>ly amente>ely mente>ly ivos>ive ivo>ive iva>ive veis>ble vel>ble ais>al encia>ence ancia>ance ario>ary entes>ent ente>ent antes>ant ante>ant ados>ated ado>ated os> as> es> o> a> e>',
  ),
  it: endings(
    'zioni>tions zione>tion ita>ity osi>ous ose>ous oso>ous osa>ous iche>ic ici>ic ico>ic ica>ic ismo>ism isti>ists ista>ist icamente>ically amente>ly amente>ely mente>ly ivi>ive ivo>ive iva>ive bili>ble bile>ble ali>al ale>al enza>ence anza>ance ario>ary enti>ent ente>ent anti>ant ante>ant ati>ated ato>ated i> o> a> e>',
  ),
  de: endings(
    'ionen>ions itat>ity tat>ty ischen>ic ische>ic isch>ic ieren>ate iert>ated ismus>ism isten>ists ie>y iver>ive er> en> e> >e',
  ),
};

/** Shortest unknown word tried for cognates and German compounds. */
const MIN_GUESS = 5;

function ownEntry(word: string, lang: GlossLanguage): string | undefined {
  return dicts().get(lang)!.entries.get(word);
}

/**
 * Guessing work allowed for one text: compound and cognate guesses (the only lookups per word that
 * grow with its length and the number of endings) spend lookups from `left`; once it is spent, the
 * remaining unlisted words are kept as written and counted in `unguessed`. Listed words, phrases and
 * plural endings are always read.
 */
export class GuessBudget {
  unguessed = 0;
  constructor(public left: number) {}

  /** Whether a guess may start; when not, the word counts as unguessed. */
  open(): boolean {
    if (this.left > 0) return true;
    this.unguessed++;
    return false;
  }
}

/** Guess lookups for any text (a few hundred unlisted German compounds)… */
export const GUESS_FLOOR = 32_768;
/** …plus this many per UTF-16 code unit of the text read (256 per KB). */
export const GUESS_PER_UNIT = 0.25;

/** The guess budget of a text of `length` code units. */
export function guessBudget(length: number): GuessBudget {
  return new GuessBudget(GUESS_FLOOR + GUESS_PER_UNIT * length);
}

/** An English word spelled like `candidate` (or with the German `k` read as `c`), else undefined. */
function english(candidate: string, lang: GlossLanguage, budget: GuessBudget): string | undefined {
  const spellings =
    lang === 'de' && candidate.includes('k') ? [candidate, candidate.replace(/k/g, 'c')] : [candidate];
  for (const c of spellings) {
    budget.left -= 2;
    if (c.length >= 3 && wordCost(c) !== undefined) return c;
    if (c.length >= 4 && wordCost(`${c}e`) !== undefined) return `${c}e`;
  }
  return undefined;
}

/**
 * The gloss of one word: the text's own lexicon, then the other four (a borrowed phrase or a wrong
 * guess of the language), then a plural or gender ending, then (German) the last part of a compound,
 * then a cognate that is an English word. Undefined: keep the word. A bounded number of lookups.
 */
function lookup(word: string, lang: GlossLanguage, budget: GuessBudget): string | undefined {
  const own = ownEntry(word, lang);
  if (own !== undefined) return own;
  for (const l of LANGS) {
    if (l === lang) continue;
    const hit = dicts().get(l)!.entries.get(word);
    if (hit !== undefined) return hit;
  }
  const base = inflected(word, lang);
  if (base !== undefined) return base;
  const clitic = withoutClitics(word, lang);
  if (clitic !== undefined) return clitic;
  if (word.length < MIN_GUESS || /\d/.test(word)) return undefined;
  if (!budget.open()) return undefined;
  if (lang === 'de') {
    const part = compoundTail(word, budget);
    if (part !== undefined) return part;
  }
  if (wordCost(word) !== undefined) return undefined;
  for (const [ending, replacement] of COGNATES[lang]) {
    if (word.length - ending.length < 3 || !word.endsWith(ending)) continue;
    const stem = word.slice(0, word.length - ending.length);
    // A bare stem (`pont-os`) is often an unrelated short word: only long ones count.
    if (replacement === '' && stem.length < 5) continue;
    const hit = english(stem + replacement, lang, budget);
    if (hit !== undefined && hit !== word) return hit;
  }
  return undefined;
}

/**
 * Object pronouns written onto a Spanish or Italian verb, longest first, with the English they add
 * (`dímelo`, `explícamelo`, `hazlo`, `fammelo`, `scrivimelo`, `mandagliela`). The generated forms
 * cover one pronoun on a regular verb (`dame`, `scrivimi`); these are the clusters and the short
 * imperatives that take them.
 */
const CLITICS: Partial<Record<GlossLanguage, ReadonlyArray<readonly [string, string]>>> = {
  es: endings(
    'melo>me melos>me mela>me melas>me telo>you tela>you selo>them selos>them sela>them selas>them noslo>us nosla>us lo>it la>it los>them las>them le>them les>them me>me te>you nos>us',
  ),
  it: endings(
    'glielo>them gliela>them glieli>them gliele>them melo>me mela>me meli>me mele>me mene>me telo>you tela>you celo>us cela>us lo>it la>it li>them le>them ne>it mi>me ti>you ci>us gli>them',
  ),
};

/** Short imperatives that take pronouns (`di` + `melo`, `fa` + `mmelo`), per language. */
const SHORT_IMPERATIVES: Partial<Record<GlossLanguage, ReadonlyMap<string, string>>> = {
  es: new Map([
    ['di', 'tell'],
    ['haz', 'make'],
    ['da', 'give'],
    ['pon', 'put'],
  ]),
  it: new Map([
    ['di', 'tell'],
    ['fa', 'make'],
    ['far', 'make'],
    ['da', 'give'],
    ['sta', 'stay'],
  ]),
};

/**
 * The gloss of a Spanish or Italian verb with object pronouns written onto it (`explicamelo` →
 * `explain me`, `fammelo` → `make me`): the pronouns taken off, the rest read as a generated verb form
 * or a short imperative (Italian doubles the pronoun's consonant after one: `fa` + `mmelo`). Undefined
 * when the rest is not a verb, so a noun that merely ends like a pronoun (`cielo`, `fratello`) is kept.
 */
function withoutClitics(word: string, lang: GlossLanguage): string | undefined {
  const clitics = CLITICS[lang];
  if (clitics === undefined || word.length < 4) return undefined;
  const dict = dicts().get(lang)!;
  const short = SHORT_IMPERATIVES[lang]!;
  for (const [clitic, english] of clitics) {
    if (!word.endsWith(clitic) || word.length - clitic.length < 2) continue;
    const stem = word.slice(0, word.length - clitic.length);
    const stems =
      lang === 'it' && stem.length >= 3 && stem[stem.length - 1] === clitic[0]
        ? [stem, stem.slice(0, -1)]
        : [stem];
    for (const st of stems) {
      const verb = dict.verbs.has(st) ? dict.entries.get(st) : short.get(st);
      if (verb !== undefined && verb !== '') return `${verb} ${english}`;
    }
  }
  return undefined;
}

/** Longest German compound part read at each end. */
const MAX_COMPOUND = 32;

/**
 * A German compound read from its parts (`Briefbetrug` → `letter fraud`): the longest listed (or
 * inflected) last part of at least four letters, and the first part when it is listed too (with or
 * without a linking `s`/`n`/`en`/`es`); after an unlisted first part, only a long last part counts. Undefined when no last part is listed. At most a few dozen lookups.
 */
function compoundTail(word: string, budget: GuessBudget): string | undefined {
  if (word.length > MAX_COMPOUND) return undefined;
  for (let cut = 3; cut <= word.length - 4; cut++) {
    // Each cut: the last part, its plural endings, the first part with each linking letter.
    budget.left -= 14;
    const tail = word.slice(cut);
    const hit = ownEntry(tail, 'de') ?? inflected(tail, 'de');
    if (hit === undefined || hit === '') continue;
    const head = word.slice(0, cut);
    let first: string | undefined;
    for (const link of ['', 's', 'n', 'en', 'es', 'e']) {
      if (head.length - link.length < 3 || !head.endsWith(link)) continue;
      const h = ownEntry(head.slice(0, head.length - link.length), 'de');
      if (h !== undefined && h !== '') {
        first = h;
        break;
      }
    }
    if (first !== undefined) return `${first} ${hit}`;
    // An unlisted first part: only a long one before a long last part (`Schwächen` is not `sch` +
    // `wachen`, awake).
    if (cut >= MIN_HEAD && tail.length >= MIN_GUESS) return hit;
  }
  return undefined;
}

/** Shortest unlisted first part of a German compound read from its last part alone. */
const MIN_HEAD = 5;

/** The gloss of `word` read with one of its language's plural or gender endings undone, if listed. */
function inflected(word: string, lang: GlossLanguage): string | undefined {
  for (const [ending, replacement] of INFLECTIONS[lang]) {
    if (word.length > ending.length + 3 && word.endsWith(ending)) {
      const hit = ownEntry(word.slice(0, word.length - ending.length) + replacement, lang);
      if (hit !== undefined && hit !== '') return hit;
    }
  }
  return undefined;
}

/**
 * English words the gloss leaves out: the definite article and the partitive `some` (des, du, unos…)
 * that Romance and German grammar put before almost every noun. They carry nothing a detector needs,
 * and tier 1 divides a window's score by its length, so a gloss full of them reads weaker than the
 * English it stands for (measured on the development half of the translation set, docs/normalization.md).
 */
const DROPPED = new Set(['the', 'some']);

/** English words of the gloss, without dropped articles or a word repeated at once. */
function tidy(glosses: readonly string[]): string {
  const out: string[] = [];
  for (const g of glosses) {
    for (const w of g.split(' ')) {
      if (DROPPED.has(w) || w === out[out.length - 1]) continue;
      out.push(w);
    }
  }
  return out.join(' ');
}

/**
 * English words that cancel the everyday readings of `SENSES` when the gloss of the same text holds
 * one: `bomba de chocolate con explosivos` is read as a bomb, not a pastry. The classifier's own violence,
 * weapons and CBRN concepts (one list of harm words, `classifier/lexicon.ts`), plus the words of an attack
 * plan those concepts do not hold (a target to destroy, an explosive's precursor).
 */
const SENSE_BREAKERS: ReadonlySet<string> = new Set([
  ...(CONCEPTS['violence'] ?? []),
  ...(CONCEPTS['weapons'] ?? []),
  ...(CONCEPTS['cbrn'] ?? []),
  ...'explode blow gunpowder shrapnel fuse attack terrorist destroy destruction demolish nitrate ammonium incendiary dynamite poison victims'.split(
    ' ',
  ),
]);

/** The glosses of `tokens`, and whether an everyday sense (`SENSES`) was read. */
function glossTokens(
  tokens: readonly string[],
  lang: GlossLanguage,
  budget: GuessBudget,
  useSenses: boolean,
): { readonly out: string[]; readonly sensed: boolean } {
  const dict = dicts().get(lang)!;
  const out: string[] = [];
  let sensed = false;
  // Per gloss in `out`: whether it can be the noun an adjective after it describes (a listed word,
  // not a verb form nor a function word).
  const nounish: boolean[] = [];
  const push = (gloss: string, source: string) => {
    // `comment voler`, `cómo robo`, `come rubare`: English asks `how to steal` (German `wie man` is a
    // listed phrase).
    if (lang !== 'de' && dict.verbs.has(source) && QUESTION_TO.has(out[out.length - 1]!)) {
      out.push('to');
      nounish.push(false);
    }
    out.push(gloss);
    nounish.push(!dict.verbs.has(source) && !STOP_BITS.has(source) && !NOT_NOUNS.has(gloss));
  };
  const word = (w: string) => {
    const hit = lookup(w, lang, budget);
    if (hit === undefined) {
      out.push(w);
      nounish.push(false);
    } else if (hit !== '') push(hit, w);
  };
  /** Whether a listed phrase starts at token `k`. */
  const startsPhrase = (k: number): boolean => {
    if (!dict.heads.has(tokens[k]!)) return false;
    for (let n = Math.min(dict.maxWords, tokens.length - k); n >= 2; n--)
      if (dict.entries.has(tokens.slice(k, k + n).join(' '))) return true;
    return false;
  };
  for (let i = 0; i < tokens.length; ) {
    let matched = false;
    const senses = useSenses && SENSE_HEADS.has(tokens[i]!);
    const longest = senses || dict.heads.has(tokens[i]!) ? Math.min(dict.maxWords, tokens.length - i) : 1;
    for (let n = longest; n >= 2; n--) {
      const phrase = tokens.slice(i, i + n).join(' ');
      // Senses of every language: short texts are often guessed as a neighbouring one (`la`, `de`).
      const sense = senses ? (dict.senses.get(phrase) ?? ALL_SENSES.get(phrase)) : undefined;
      if (sense !== undefined) sensed = true;
      const hit = sense ?? dict.entries.get(phrase);
      if (hit !== undefined) {
        if (hit !== '') push(hit, phrase);
        i += n;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const t = tokens[i]!;
    // An object pronoun before its verb (`de me tuer`, `lhe mandar`, `ti seguo`): the verb first, as
    // English writes it (`kill me`), unless the verb starts a listed phrase.
    const next = tokens[i + 1];
    if (
      next !== undefined &&
      PROCLITICS[lang]?.has(t) === true &&
      dict.verbs.has(next) &&
      !startsPhrase(i + 1)
    ) {
      word(next);
      word(t);
      i += 2;
      continue;
    }
    // A hyphenated token no lexicon lists is read part by part (`explique-me`, `DDoS-Angriffe`).
    if (t.includes('-') && !LANGS.some((l) => dicts().get(l)!.entries.has(t)))
      for (const part of t.split('-')) word(part);
    else word(t);
    i += 1;
  }
  // French, Spanish, Portuguese and Italian put most adjectives after the noun (`bomba casera`,
  // `noticia falsa`, `arme intraçable`): the English order (`homemade bomb`, `fake news`) is what
  // tier 1 learned its word pairs from.
  if (lang !== 'de')
    for (let k = 1; k < out.length; k++) {
      if (nounish[k - 1] && POSTPOSED.has(out[k]!)) {
        const noun = out[k - 1]!;
        out[k - 1] = out[k]!;
        out[k] = noun;
        nounish[k - 1] = false;
        nounish[k] = false;
      }
    }
  return { out, sensed };
}

/**
 * English glosses of Romance adjectives that follow their noun, read before it instead (see
 * `glossTokens`): the harm and manner adjectives of requests. Adjectives that stand before the noun in
 * the Romance languages too (`meilleur`, `nouveau`, `grand`) are not listed.
 */
const POSTPOSED: ReadonlySet<string> = new Set(
  'fake false counterfeit homemade stolen untraceable unregistered undetectable illegal illicit natural painful painless threatening lethal deadly toxic poisonous dangerous anonymous fraudulent racist violent sexual chemical biological nuclear radioactive explosive inferior hateful personal detailed secret covert'.split(
    ' ',
  ),
);

/** Glosses that are not a noun an adjective after them could describe. */
const NOT_NOUNS: ReadonlySet<string> = new Set(
  'more less very most too so also not really quite as be is are was were been seem seems look looks become'.split(
    ' ',
  ),
);

/** Question words that English follows with `to` before an infinitive (`how to`, `where to`). */
const QUESTION_TO: ReadonlySet<string> = new Set(['how', 'where']);

/** Romance object pronouns that stand before the verb (`me`, `te`, `lui`, `le`, `lhe`, `gli`…). */
const PROCLITICS: Partial<Record<GlossLanguage, ReadonlySet<string>>> = {
  fr: new Set(['me', 'te', 'lui', 'nous', 'vous', 'leur']),
  es: new Set(['me', 'te', 'le', 'les', 'nos']),
  pt: new Set(['me', 'te', 'lhe', 'lhes', 'nos']),
  it: new Set(['mi', 'ti', 'gli', 'ci']),
};

/** German conjunctions and question words that open a clause whose finite verb stands last. */
const DE_SUBORDINATORS: ReadonlySet<string> = new Set(
  'wie dass ob damit weil wenn falls um ohne statt anstatt bevor nachdem wahrend sodass was wo womit wodurch wozu wofur warum welche welcher welches wer wen wem'.split(
    ' ',
  ),
);
/** A relative pronoun opens a verb-final clause only right after a comma (else it is an article). */
const DE_RELATIVES: ReadonlySet<string> = new Set('der die das den dem deren dessen'.split(' '));
/** German modal and auxiliary verbs (accent-folded): the finite verb of a question, the rest goes last. */
const DE_AUXILIARIES: ReadonlySet<string> = new Set(
  'kann kannst konnen konnt konnte konntest konnten soll sollst sollen sollte solltest sollten muss musst mussen musste mussten will willst wollen wollte wollten mochte mochtest mochten darf darfst durfen durfte werde wirst wird werden wurde wurdest wurden habe hast hat haben hatte hatten bin bist ist sind seid war waren ware waren lass lasst'.split(
    ' ',
  ),
);
/** Subject pronouns that stand between the finite verb (or the conjunction) and the rest. */
const DE_SUBJECTS: ReadonlySet<string> = new Set('ich du er sie es man wir ihr jemand'.split(' '));
/** Separable verb particles that a main clause puts last (`bringe … um`, `jage … hoch`). */
const DE_PARTICLES: ReadonlySet<string> = new Set([
  ...DE_SEPARABLE,
  'hoch',
  'herunter',
  'heraus',
  'hinein',
  'durch',
]);

/**
 * German tokens put in the order an English gloss reads best, clause by clause (clauses end at commas
 * and sentence marks, `starts`): a separable particle at the end of a clause is joined back onto its verb
 * (`bringe ihn um` → `umbringe ihn`, read as `kill him`), and the verbs at the end of a clause — an
 * infinitive after a modal, the finite verb of a subordinate clause, `zu` + infinitive — move to
 * right after the modal or the conjunction and its subject (`wie man die Brücke … sprengt` → `wie man
 * sprengt die Brücke …`, `um das Spiel zu gewinnen` → `um zu gewinnen das Spiel`). Tier 1 reads
 * words near each other; verb-final order had put the verb a clause away from its object. Linear: each
 * clause is scanned a bounded number of times.
 */
export function germanOrder(tokens: readonly string[], starts: ArrayLike<number>): string[] {
  const dict = dicts().get('de')!;
  const isVerb = (t: string) => dict.verbs.has(t) || DE_AUXILIARIES.has(t);
  const out: string[] = [];
  let a = 0;
  while (a < tokens.length) {
    let b = a + 1;
    while (b < tokens.length && starts[b] === 0) b++;
    // `und`/`oder` end a clause too: each side keeps its own verb.
    for (let j = a + 1; j < b; j++) {
      if (tokens[j] === 'und' || tokens[j] === 'oder') {
        b = j;
        break;
      }
    }
    const clause = tokens.slice(a, b);
    const afterComma = starts[a] === 2;
    a = b;
    // A question with a full verb second (`wie baut man`, `wie zerstore ich`): the subject before the
    // verb, as English asks (`wie man baut` → how to build, `wie ich zerstore` → how i destroy).
    if (
      clause.length >= 3 &&
      DE_SUBORDINATORS.has(clause[0]!) &&
      dict.verbs.has(clause[1]!) &&
      !DE_AUXILIARIES.has(clause[1]!) &&
      DE_SUBJECTS.has(clause[2]!)
    ) {
      const verb = clause[1]!;
      clause[1] = clause[2]!;
      clause[2] = verb;
    }
    // A separable particle at the end, joined onto the first verb form it makes a listed verb with.
    const last = clause[clause.length - 1]!;
    if (clause.length >= 3 && DE_PARTICLES.has(last)) {
      const k = clause.findIndex((t, i) => i < clause.length - 1 && dict.verbs.has(last + t));
      if (k >= 0) {
        clause[k] = last + clause[k]!;
        clause.pop();
      }
    }
    // The verbs at the end (at most three, with a `zu`).
    let c = clause.length;
    while (
      c > 0 &&
      clause.length - c < 3 &&
      (isVerb(clause[c - 1]!) || (clause[c - 1] === 'zu' && c < clause.length))
    )
      c--;
    if (c === clause.length) {
      out.push(...clause);
      continue;
    }
    // A listed phrase that ends the clause (`ohne erwischt zu werden`) is read as it stands.
    let listed = false;
    for (let k = Math.max(0, clause.length - dict.maxWords); k < c && !listed; k++)
      listed = clause.length - k >= 2 && dict.entries.has(clause.slice(k).join(' '));
    if (listed) {
      out.push(...clause);
      continue;
    }
    // `in die Luft sprengen` (blow up): the phrase goes with the verb, after it.
    let cluster = clause.slice(c);
    if (c >= 3 && clause[c - 3] === 'in' && clause[c - 2] === 'die' && clause[c - 1] === 'luft') {
      c -= 3;
      cluster = [...cluster, 'in', 'die', 'luft'];
    }
    // Where they go: after a modal that opens the clause (or follows a question word), else after the
    // conjunction; then after a subject pronoun.
    let at = -1;
    let k = 0;
    if (DE_SUBORDINATORS.has(clause[0]!) || (afterComma && DE_RELATIVES.has(clause[0]!))) k = 1;
    if (k < c && DE_AUXILIARIES.has(clause[k]!)) at = k + 1;
    else if (k === 1 && !dict.verbs.has(clause[1]!)) at = 1;
    if (at >= 0 && at < c && DE_SUBJECTS.has(clause[at]!)) at++;
    if (at < 0 || at >= c) {
      out.push(...clause);
      continue;
    }
    out.push(...clause.slice(0, at), ...cluster, ...clause.slice(at, c));
  }
  return out;
}

/**
 * The English gloss of `text`, or undefined when no part of it reads as French, Spanish, German,
 * Portuguese or Italian. When the text reads as one of them as a whole, all of it is glossed. Otherwise
 * each sentence, and each window of {@link GUESS_WINDOW} tokens, is guessed on its own, and only the runs
 * of tokens that read foreign are glossed, one line each (a French request inside English padding or
 * mixed into English text); the English around them is already read as it is. Known words and phrases are
 * replaced; unknown ones are kept. `unguessed`: unlisted words this text left as written because the
 * guess budget was spent ({@link guessBudget}; the caller's budget is shared by every text of a request).
 */
export function glossToEnglish(
  text: string,
  budget: GuessBudget = guessBudget(text.length),
): { readonly lang: GlossLanguage; readonly gloss: string; readonly unguessed: number } | undefined {
  // Most traffic is English ASCII: decide without folding and tokenizing first.
  if (isAsciiText(text) && !mayReadForeign(text)) return undefined;
  const { tokens, starts } = tokenizeSentences(foldAccents(text));
  const n = tokens.length;
  const langs = new Int8Array(n);
  const bits = tokens.map((t) => STOP_BITS.get(t) ?? 0);
  if (!unitLanguages(bits, starts, n, langs)) return undefined;
  const before = budget.unguessed;
  const lines: string[] = [];
  const read = new Int32Array(LANGS.length);
  for (let i = 0; i < n; ) {
    const l = langs[i]!;
    let j = i + 1;
    while (j < n && langs[j] === l) j++;
    if (l >= 0) {
      const lang = LANGS[l]!;
      read[l] = read[l]! + (j - i);
      let run = i === 0 && j === n ? tokens : tokens.slice(i, j);
      if (lang === 'de') run = germanOrder(run, starts.subarray(i, j));
      let { out, sensed } = glossTokens(run, lang, budget, true);
      // An everyday sense next to explosives or killing: read the run again without the senses.
      if (sensed && out.some((g) => g.split(' ').some((w) => SENSE_BREAKERS.has(w))))
        out = glossTokens(run, lang, budget, false).out;
      lines.push(tidy(out));
    }
    i = j;
  }
  let best = 0;
  for (let l = 1; l < LANGS.length; l++) if (read[l]! > read[best]!) best = l;
  return { lang: LANGS[best]!, gloss: lines.join('\n'), unguessed: budget.unguessed - before };
}

/**
 * Adds the English gloss of the segment's text as one more view (transforms: the canonical ones plus
 * `gloss`, even when read from the despaced view: the gloss is words written apart, matched on word
 * boundaries, and `signals.transforms` already names `despace` when it fired) when the segment, or a
 * sentence or window of it, reads as one of the five languages, and names `gloss` in
 * `signals.transforms`; otherwise returns `n` unchanged. `budget`: the guess budget of the whole
 * request, shared by its segments (default: one sized for this segment alone). One
 * extra view at most, no longer than the view read plus a third. The view read is the canonical one, or
 * the despaced one when the normalizer made it: spaced-out text (`c a n  y o u`) is a string of
 * one-letter tokens, and one-letter words (`a`, `e`, `o`, `y`) are stopwords of the Romance languages,
 * so English spelled out that way would otherwise be "glossed" into word salad.
 */
export function withGlossView(n: NormalizedSegment, budget?: GuessBudget): NormalizedSegment {
  const canonical = n.views[0];
  if (!canonical) return n;
  const source = n.views.find((v) => v.transforms.includes('despace')) ?? canonical;
  const g = glossToEnglish(source.text, budget);
  if (!g || g.gloss === source.text) return n;
  const text = g.gloss.slice(0, Math.ceil(source.text.length * 1.34) + 16);
  const transforms = n.signals.transforms.includes('gloss')
    ? n.signals.transforms
    : [...n.signals.transforms, 'gloss'].sort();
  const unguessed = (n.signals.glossUnguessed ?? 0) + g.unguessed;
  return {
    ...n,
    views: [...n.views, { segment: canonical.segment, text, transforms: [...canonical.transforms, 'gloss'] }],
    signals: { ...n.signals, transforms, ...(unguessed > 0 ? { glossUnguessed: unguessed } : {}) },
  };
}
