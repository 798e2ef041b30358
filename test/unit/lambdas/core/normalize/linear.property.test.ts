/**
 * Normalization stays linear on the worst inputs found for each transform: the work done at 8× the
 * input size is at most about 8× the work at 1×, and the view bounds hold. Counts, not wall time. Work
 * counts what the normalizer reads, wherever it reads it:
 *   - code units read one at a time: `charCodeAt` / `codePointAt` calls, string iteration steps, and
 *     index reads and writes on the typed arrays the hand-written scans use (`codeUnits`, `scratchOf`,
 *     handed out counted by the mock below);
 *   - native searches by what they scan: `indexOf` / `lastIndexOf` / `includes` from where they start
 *     to where they stop;
 *   - regex `exec` calls (the engine makes one per match when `exec` is observed) and characters handed
 *     to `String.prototype.normalize`;
 *   - the text of the views produced.
 */
import fc from 'fast-check';
import { createTier0 } from '../../../../../lambdas/core/detectors';
import { normalizeSegment } from '../../../../../lambdas/core/normalize/normalize';
import { scanLower } from '../../../../../lambdas/core/normalize/scan';
import { contextStart } from '../../../../../lambdas/core/normalize/text';
import type { NormalizedSegment, View } from '../../../../../lambdas/core/types';
import { EVASIONS } from './evasions';

/** Reads counted by the instrumentation of {@link work}; only counted while `counting` is set. */
const meter = { counting: false, ops: 0 };

/** A typed array whose element reads and writes are counted (methods run on the array itself). */
function counted<T extends Uint8Array | Uint16Array>(array: T): T {
  const isIndex = (k: string | symbol): boolean =>
    typeof k === 'string' && k.length > 0 && k.charCodeAt(0) >= 0x30 && k.charCodeAt(0) <= 0x39;
  return new Proxy(array, {
    get(target, key) {
      if (isIndex(key)) {
        if (meter.counting) meter.ops++;
        return target[key as unknown as number];
      }
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(target, key, value) {
      if (isIndex(key) && meter.counting) meter.ops++;
      return Reflect.set(target, key, value, target);
    },
  });
}

jest.mock('../../../../../lambdas/core/normalize/text', () => {
  const actual = jest.requireActual<typeof import('../../../../../lambdas/core/normalize/text')>(
    '../../../../../lambdas/core/normalize/text',
  );
  return {
    ...actual,
    codeUnits: (text: string) => counted(actual.codeUnits(text)),
    scratchOf: (bytes: number) => counted(actual.scratchOf(bytes)),
  };
});

const repeat = (unit: string, n: number): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** Worst cases: dense triggers of every decoder and re-ordering, each as one long text of `n` units. */
const WORST: Readonly<Record<string, (n: number) => string>> = {
  'variation selectors': (n) => repeat('\ufe00\u{e0150}', n),
  'markup: tags inside words': (n) => repeat('pi<span class="x">pe</span><!-- c -->', n),
  'markup: tags cut short by another <': (n) => repeat('<b title="x <i ', n),
  'markup: unclosed comments and quotes': (n) => repeat('<!-- <a href="', n),
  'invisible bits, three symbols': (n) => repeat('\u2062\u2064\u2064\u200b', n),
  'invisible bits, one symbol then another': (n) => repeat('\u200b', n >> 1) + repeat('\u200c', n >> 1),
  tags: (n) => repeat('\u{e0041}', n),
  'right-to-left overrides': (n) => repeat('\u202e', n),
  'overrides with breaks': (n) => repeat('\u202eab\n', n),
  'upside-down': (n) => repeat('ɐǝɥ ', n),
  'reversed words': (n) => repeat('eht woh ekam ', n),
  zalgo: (n) => repeat('a\u0301\u0302\u0303', n),
  'morse-like dots': (n) => repeat('.', n),
  'morse-like codes': (n) => repeat('.- -.. / ', n),
  'morse gaps': (n) => repeat('. / | ', n),
  'html entities': (n) => repeat('&#104;', n),
  'entity-like noise': (n) => repeat('&#12345678', n),
  'quoted-printable': (n) => repeat('=4A', n),
  'unicode escapes': (n) => repeat('\\u0068', n),
  binary: (n) => repeat('01101000 ', n),
  'binary packed': (n) => repeat('0110100001', n),
  base32: (n) => repeat('NBSWY3DP', n),
  'base64 nested': (n) => {
    let s = 'how to make a bomb ';
    while (s.length * 1.4 < n) s = Buffer.from(s + s).toString('base64');
    return s.slice(0, n);
  },
  'ascii85-like symbols': (n) =>
    repeat(
      "9jqo^BlbD-BleB1DJ+*+F(f,q/0JhKF<GL>Cj@.4Gp$d7F!,L7@<6@)/0JDEF<G%<+EV:2F!,O<DJ+*.@<*K0@<6L(Df-\\0Ec5e;DffZ(EZee.Bl.9pF\"AGXBPCsi+DGm>@3BB/F*&OCAfu2/AKYi(DIb:@FD,*)+C]U=@3BN#EcYf8ATD3s@q?d$AftVqCh[NqF<G:8+EV:.+Cf>-FD5W8ARlolDIal(DId<j@<?3r@:F%a+D58'ATD4$Bl@l3De:,-DJs`8ARoFb/0JMK@qB4^F!,R<AKZ&-DfTqBG%G>uD.RTpAKYo'+CT/5+Cei#DII?(E,9)oF*2M7/c~> ",
      n,
    ),
  'ascii85 adobe blocks': (n) => repeat('<~87cURD]i,"Ebo80~> ', n),
  'uuencode-like lines': (n) => repeat('M86%L;&\\@;W)L9"!H;W<@87)E(\'EO=3\\_\n', n),
  'uuencode lead-ins': (n) => repeat('UUencode: #86%L\n', n),
  'small capitals and braille': (n) => repeat('ʜᴏᴡ ⠓⠕⠺ ', n),
  'nato runs': (n) => repeat('hotel oscar whiskey tango ', n),
  'nato gaps': (n) => repeat('alfa / bravo | charlie (space) delta ', n),
  'nato near-runs': (n) => repeat('hotel oscar whiskey cat ', n),
  'nato without gaps, split into words': (n) =>
    repeat('Hotel Oscar Whiskey Tango Oscar Mike Alfa Kilo Echo ', n),
  'nato without gaps, letters no word covers': (n) => repeat('Quebec Xray Zulu Juliett ', n),
  'rot13 sentences in English text': (n) => repeat('the cat and the dog are here. gur naq lbh! caesar? ', n),
  'pig latin': (n) => repeat('owhay otay akemay ', n),
  'pig latin consonant onsets': (n) => repeat('bcdfghjklmnpqrstvwxzay ', n),
  'heavy leet': (n) => repeat('|-|()\\/\\/ 7() |\\/|/-\\|<3 a ', n),
  'heavy leet, pipes only': (n) => repeat('|', n - 1) + 'a',
  'pig latin, many short sentences': (n) => repeat('owhay otay akemay. ', n),
  'pig latin after a lead-in, each sentence': (n) =>
    repeat('a plain lead-in here: owhay otay akemay away; ', n),
  'heavy leet, no letter at all': (n) => repeat('|-|()\\/\\/ 7() |\\/|/-\\|<3 ', n),
  'heavy leet pairs, table rules': (n) => repeat('|---|()', n),
  'split tokens': (n) => repeat('b-o-m-b ', n),
  'split tokens, space-split pieces to rejoin': (n) => repeat('ma-ke t rain to t rain a b omb ', n),
  'split tokens, underscores': (n) => repeat('a_', n),
  'lead-ins before entities': (n) => repeat('Decode it. &#104;&#105; ', n),
  'lead-ins before styled letters': (n) => repeat('Read this. ʜᴏᴡ ', n),
  sentences: (n) => repeat('a. ', n),
  'line breaks': (n) => repeat('a\n\n', n),
  'string values': (n) => repeat('{"k": "a b c d", "v": ["x y z"]}\n', n),
  'unclosed quotes': (n) => repeat(':"a b c ', n),
  'escaped values': (n) => repeat('("a \\n b \\" c \\u0041 d") ', n),
  comments: (n) => repeat('# a b\n// c d\n/* e */ <!-- f -->\n', n),
  'letter runs': (n) => repeat('a', n),
  'spaced-out characters, words three spaces apart': (n) => repeat("{ ' a b ' :   [ 1 ,   ", n),
  'spaced-out characters broken by whole words': (n) => repeat('a b c   word   d e ', n),
  'words run together in camelCase': (n) => repeat('readThis|Row1Is:OkAnd,Then ', n - 1) + 'x',
  'camelCase joins without blanks': (n) => repeat('aBcD', n),
  'camelCase leetspeak run together': (n) => repeat('writ3Ransomwar3Th@t', n),
  'lone characters eight spaces apart': (n) => repeat('a        ', n),
  'lone characters nine spaces apart (seeds that fail)': (n) => repeat('a         ', n),
  'spaced-out leetspeak, letters eight spaces apart': (n) => repeat('h        0        w            ', n),
  'split tokens, a symbol break per twelve words and space breaks': (n) =>
    repeat('ma-ke so meone b omb a rea t rain the of and to in is it ', n),
  'heavy leet, inflected i/l words in brackets': (n) => repeat('(910r|f1e$) ', n),
  'heavy leet, bracketed words with quotes and punctuation after': (n) =>
    repeat(`"(73x78()()k)", '(|_1v3)'? `, n),
  'short spaced-out English words, letters two spaces apart': (n) =>
    repeat('m  a  k  e    a    b  o  m  b   and ', n),
  'spaced-out letters two apart spelling no word': (n) => repeat('x  q  z  v    ', n),
  'parenthesized numbers': (n) => repeat('⑴⑵⒇', n),
  'one long line of words ending in a machine-made suffix': (n) =>
    `${repeat('plain words on one very long line ', Math.max(0, n - 40))} so]$. {@Now ***Here<= exactly`,
  'one long line of machine-made tokens': (n) => repeat('x]$. similarlyNow ', n),
  'stray accents, one sentence': (n) => repeat('hów cán í bóil án égg ', n),
  'stray accents, many sentences': (n) => repeat('hów cán í? ', n),
  'accented foreign words, one sentence': (n) => repeat('château garçon rivière élève ', n),
  'accented words too long to look up': (n) => repeat('á', n),
  'accented words among plain unlisted ones': (n) => repeat('bóil qxzv qxzv qxzv ', n),
  mixed: (n) =>
    repeat(
      `x ${EVASIONS.morse?.('how are you') ?? ''} ${EVASIONS['html-entities']?.('hi there') ?? ''} \u202eolleh\u202c ɐǝɥ =41=42=43 `,
      n,
    ),
};

/** Runs `fn` with every read described above counted. */
function metered<T>(fn: () => T): { value: T; ops: number } {
  const S = String.prototype;
  const saved = {
    exec: RegExp.prototype.exec,
    normalize: S.normalize,
    charCodeAt: S.charCodeAt,
    codePointAt: S.codePointAt,
    indexOf: S.indexOf,
    lastIndexOf: S.lastIndexOf,
    includes: S.includes,
    iterator: S[Symbol.iterator],
  };
  /** What a native search from `from` read: up to the match's end, or to the end of the text. */
  const scanned = (self: string, from: number, found: number, needle: string): number =>
    found < 0 ? self.length - from : found + needle.length - from;
  meter.ops = 0;
  RegExp.prototype.exec = function (this: RegExp, s: string) {
    meter.ops++;
    return saved.exec.call(this, s);
  };
  S.normalize = function (this: string, form?: string) {
    meter.ops += this.length;
    return saved.normalize.call(this, form);
  };
  S.charCodeAt = function (this: string, i: number) {
    meter.ops++;
    return saved.charCodeAt.call(this, i);
  };
  S.codePointAt = function (this: string, i: number) {
    meter.ops++;
    return saved.codePointAt.call(this, i);
  };
  S.indexOf = function (this: string, needle: string, from = 0) {
    const found = saved.indexOf.call(this, needle, from);
    meter.ops += Math.max(1, scanned(this, Math.max(0, from), found, needle));
    return found;
  };
  S.lastIndexOf = function (this: string, needle: string, from?: number) {
    const found = saved.lastIndexOf.call(this, needle, from);
    const start = from === undefined ? this.length : Math.min(this.length, Math.max(0, from));
    meter.ops += Math.max(1, found < 0 ? start : start - found);
    return found;
  };
  S.includes = function (this: string, needle: string, from = 0) {
    const found = saved.indexOf.call(this, needle, from);
    meter.ops += Math.max(1, scanned(this, Math.max(0, from), found, needle));
    return found >= 0;
  };
  S[Symbol.iterator] = function* (this: string): Generator<string, undefined> {
    for (const c of saved.iterator.call(this) as IterableIterator<string>) {
      meter.ops++;
      yield c;
    }
    return undefined;
  };
  meter.counting = true;
  try {
    const value = fn();
    meter.counting = false;
    return { value, ops: meter.ops };
  } finally {
    meter.counting = false;
    RegExp.prototype.exec = saved.exec;
    S.normalize = saved.normalize;
    S.charCodeAt = saved.charCodeAt;
    S.codePointAt = saved.codePointAt;
    S.indexOf = saved.indexOf;
    S.lastIndexOf = saved.lastIndexOf;
    S.includes = saved.includes;
    S[Symbol.iterator] = saved.iterator;
  }
}

function work(text: string): { ops: number; views: number; viewChars: number } {
  const { value: views, ops } = metered(() => normalizeSegment(text, 0).views);
  const viewChars = views.reduce((n, v) => n + v.text.length, 0);
  return { ops: ops + viewChars, views: views.length, viewChars };
}

describe('the work meter', () => {
  const text = 'x'.repeat(5000);
  it.each<[string, () => unknown]>([
    ['a typed-array scan (scanLower)', () => scanLower(text)],
    ['a charCodeAt scan (contextStart)', () => contextStart(text, text.length)],
    ['a native search (indexOf)', () => text.indexOf('y')],
    ['string iteration', () => [...text].length],
  ])('GIVEN %s over 5 000 units THEN it counts every unit read', (_name, fn) => {
    expect(metered(fn).ops).toBeGreaterThanOrEqual(text.length);
  });
});

describe('normalization is linear on worst-case inputs', () => {
  it.each(Object.keys(WORST))(
    'GIVEN %s at 2 000 and 16 000 code units THEN work grows at most linearly',
    (name) => {
      const gen = WORST[name] as (n: number) => string;
      const small = gen(2000);
      const large = gen(16_000);
      const a = work(small);
      const b = work(large);
      for (const [w, text] of [
        [a, small],
        [b, large],
      ] as const) {
        expect(w.views).toBeLessThanOrEqual(10);
        expect(w.viewChars).toBeLessThanOrEqual(text.length * 4);
      }
      // 8× the input: at most 10× the work (constant per-call overheads and rounding).
      expect(b.ops).toBeLessThanOrEqual(a.ops * 10 + 100);
    },
  );

  it('GIVEN random mixtures of the worst cases THEN the bounds hold and work per code unit stays bounded', () => {
    const names = Object.keys(WORST);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...names), fc.integer({ min: 1, max: 400 })), {
          minLength: 1,
          maxLength: 12,
        }),
        (parts) => {
          const text = parts.map(([name, n]) => (WORST[name] as (n: number) => string)(n)).join(' ');
          const w = work(text);
          expect(w.views).toBeLessThanOrEqual(10);
          expect(w.viewChars).toBeLessThanOrEqual(Math.max(1, text.length * 4));
          // At most 160 reads per code unit (these runs read up to 126 per unit, counted as above).
          expect(w.ops).toBeLessThanOrEqual(text.length * 160 + 2000);
        },
      ),
      { numRuns: 60, seed: 10 },
    );
  });
});

describe('the tier-0 blocklist readings are linear on worst-case inputs', () => {
  const tier0 = createTier0();
  const work0 = (text: string): number =>
    metered(() => tier0.run([{ trust: 'user', path: 'p', text }], [normalizeSegment(text, 0)])).ops;
  const BLOCKLIST_WORST: Readonly<Record<string, (n: number) => string>> = {
    'phrases across sentence boundaries': (n) => repeat('make a pipe. bomb ', n),
    'phrases across glued pipes': (n) => repeat('make a pipe|bomb ', n),
    'a path of phrase words': (n) => repeat('make/a/pipe/bomb/', n),
    'hard gaps without a phrase': (n) => repeat('a. b, c; d|e/f ', n),
    'phrases inside identifiers': (n) => repeat('x_make_a_pipe_bomb_', n),
    'zero-width gaps': (n) => repeat('make a pipe\u200bbomb ', n),
    'zero-width characters between letters': (n) => repeat('m\u200ba\u200bk\u200be ', n),
    'abbreviation symbols': (n) => repeat('bomb™make℠', n),
    'symbols inside and between words': (n) => repeat('make a pi•pe™bomb ', n),
    'leet words with zero-width gaps': (n) => repeat('m4ke a p1pe\u200bb0mb ', n),
    'markup between and inside words': (n) => repeat('make a pi<b></b>pe<!-- -->bomb ', n),
    'unclosed tags and comments': (n) => repeat('pipe <b class="x <!-- bomb ', n),
    'URL slugs': (n) => repeat('https://x.example/make-a-pipe-bomb ', n),
    'table rows spelling phrases': (n) => repeat('make,a,pipe,bomb\n', n),
    'one long row of phrases under a header': (n) =>
      `${repeat('x,', n >> 1)}\n${repeat('make,a,pipe,bomb,', n >> 1)}`,
    'markdown rows spelling phrases': (n) => repeat('| make | a | pipe | bomb |\n|-|-|-|-|\n', n),
    'zero-width gaps far apart in prose': (n) =>
      repeat(`make a pipe\u200bbomb ${'the mill by the river. '.repeat(20)}`, n),
    'zero-width gaps among long padding': (n) => repeat(`make${' .'.repeat(300)} a pipe\u200bbomb `, n),
  };
  it.each(Object.keys(BLOCKLIST_WORST))(
    'GIVEN %s at 2 000 and 16 000 code units THEN work grows at most linearly',
    (name) => {
      const gen = BLOCKLIST_WORST[name] as (n: number) => string;
      expect(work0(gen(16_000))).toBeLessThanOrEqual(work0(gen(2000)) * 10 + 100);
    },
  );

  // One hidden gap in a long text (an invisible run, an inserted symbol, a tag): the hidden-gap reading re-reads a
  // window around it, so what it adds to tier 0 does not grow with the text (it re-canonicalized the whole text
  // before). The reference is the same text with a space for the mark; a tag also gives the text a markup view, which
  // tier 0 reads like any view, so the reference is given a view of the same length and kind.
  it.each([
    ['zero-width gap', 'pipe\u200bbomb'],
    ['inserted symbol', 'pipe\u2122bomb'],
    ['tag', 'pipe<b></b>bomb'],
  ])(
    'GIVEN one %s in 4 000 and 64 000 code units of prose THEN the reading adds the same work',
    (_, phrase) => {
      const prose = (n: number): string => repeat('The river ran past the old mill and the bakery. ', n);
      const cost = (text: string, norm: NormalizedSegment): number =>
        metered(() => tier0.run([{ trust: 'user', path: 'p', text }], [norm])).ops;
      const extra = (n: number): number => {
        const text = `${prose(n)}make a ${phrase} ${prose(n)}`;
        const norm = normalizeSegment(text, 0);
        const plain = `${prose(n)}make a pipe bomb ${prose(n)}`;
        const plainNorm = normalizeSegment(plain, 0);
        const markup = norm.views.find((v) => v.transforms.includes('markup'));
        const canonical = plainNorm.views[0] as View;
        const reference: NormalizedSegment =
          markup === undefined
            ? plainNorm
            : { ...plainNorm, views: [...plainNorm.views, { ...canonical, transforms: markup.transforms }] };
        return cost(text, norm) - cost(plain, reference);
      };
      const small = extra(2000);
      expect(small).toBeGreaterThan(0);
      expect(extra(32_000)).toBeLessThanOrEqual(small * 1.5 + 1000);
    },
  );
});

describe('the tier-0 split reading is linear on worst-case requests', () => {
  const tier0 = createTier0();
  /** Work of tier 0 over `segments`, their normalization not counted. */
  const work0 = (texts: readonly string[]): number => {
    const segments = texts.map((text, i) => ({
      trust: 'user' as const,
      path: `messages[0].content[${i}].text`,
      text,
    }));
    const normalized = texts.map((text, i) => normalizeSegment(text, i));
    return metered(() => tier0.run(segments, normalized)).ops;
  };
  const SPLIT_WORST: Readonly<Record<string, (n: number) => string[]>> = {
    'a block per word of a phrase': (n) => repeat('make a pipe bomb ', n).split(' '),
    'a block per letter': (n) => [...repeat('make a pipe bomb ', n)],
    'a phrase in every block': (n) => repeat('make a pipe bomb|', n).split('|'),
    'blocks of punctuation only': (n) => repeat('.........|', n).split('|'),
    'two long blocks': (n) => [repeat('make a pipe ', n >> 1), repeat('bomb a pipe ', n >> 1)],
    'long blocks of gaps around one letter': (n) =>
      repeat(`${'.'.repeat(500)}a${'.'.repeat(500)}|`, n).split('|'),
    'alternating long and short blocks': (n) => repeat(`${'make a pipe '.repeat(20)}|bomb|`, n).split('|'),
  };
  it.each(Object.keys(SPLIT_WORST))(
    'GIVEN %s at 2 000 and 16 000 code units THEN work grows at most linearly',
    (name) => {
      const gen = SPLIT_WORST[name] as (n: number) => string[];
      expect(work0(gen(16_000))).toBeLessThanOrEqual(work0(gen(2000)) * 10 + 100);
    },
  );
});
