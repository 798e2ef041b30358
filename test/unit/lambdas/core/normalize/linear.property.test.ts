/**
 * Normalization stays linear on the worst inputs found for each transform: the work done at 8× the
 * input size is at most about 8× the work at 1× (work = regex `exec` calls, which the engine makes once
 * per match when `exec` is observed, plus characters handed to `String.prototype.normalize`, plus the
 * text of the views produced), and the view bounds hold. Counts, not wall time.
 */
import fc from 'fast-check';
import { normalizeSegment } from '../../../../../lambdas/core/normalize/normalize';
import { EVASIONS } from './evasions';

const repeat = (unit: string, n: number): string => unit.repeat(Math.ceil(n / unit.length)).slice(0, n);

/** Worst cases: dense triggers of every decoder and re-ordering, each as one long text of `n` units. */
const WORST: Readonly<Record<string, (n: number) => string>> = {
  'variation selectors': (n) => repeat('\ufe00\u{e0150}', n),
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
  mixed: (n) =>
    repeat(
      `x ${EVASIONS.morse?.('how are you') ?? ''} ${EVASIONS['html-entities']?.('hi there') ?? ''} \u202eolleh\u202c ɐǝɥ =41=42=43 `,
      n,
    ),
};

function work(text: string): { ops: number; views: number; viewChars: number } {
  let ops = 0;
  const exec = RegExp.prototype.exec;
  const normalize = String.prototype.normalize;
  RegExp.prototype.exec = function (this: RegExp, s: string) {
    ops++;
    return exec.call(this, s);
  };
  String.prototype.normalize = function (this: string, form?: string) {
    ops += this.length;
    return normalize.call(this, form);
  };
  try {
    const { views } = normalizeSegment(text, 0);
    const viewChars = views.reduce((n, v) => n + v.text.length, 0);
    return { ops: ops + viewChars, views: views.length, viewChars };
  } finally {
    RegExp.prototype.exec = exec;
    String.prototype.normalize = normalize;
  }
}

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
          expect(w.ops).toBeLessThanOrEqual(text.length * 40 + 2000);
        },
      ),
      { numRuns: 60, seed: 10 },
    );
  });
});
