import fc from 'fast-check';
import { HEURISTIC_RULES, PATTERN_DETECTORS } from '../../../../../lambdas/core/detectors';
import { foldAscii, requiredLiterals } from '../../../../../lambdas/core/detectors/literals';

/** A `v`-flag class difference (letters but not `b`), which the analysis does not read. */
const V_CLASS_DIFFERENCE = ['[[a-z]', '--', '[b]]'].join('');

/** Whether `text` contains one of `literals` once both are ASCII-folded (what the prefilter checks). */
function admitted(literals: readonly string[] | undefined, text: string): boolean {
  if (literals === undefined) return true;
  const folded = foldAscii(text);
  return literals.some((l) => folded.includes(l));
}

/**
 * `re` without assertions (`\b`, lookarounds) and without the `i` flag: fast-check can draw strings
 * from it, and it matches a superset of what `re` matches, with the same required literals.
 */
function generatable(re: RegExp): RegExp {
  const source = re.source.replace(/\\[bB]|\(\?<?[=!](?:[^()\\]|\\.)*\)/g, '');
  return new RegExp(source, re.flags.replace(/[gi]/g, ''));
}

/** Random ASCII case flips of `s` (what an `i` regex also matches). */
const caseFlipped = (s: string): fc.Arbitrary<string> =>
  fc
    .array(fc.boolean(), { minLength: s.length, maxLength: s.length })
    .map((flips) => [...s].map((c, i) => (flips[i] ? c.toUpperCase() : c)).join(''));

describe('requiredLiterals', () => {
  it.each([
    [/\bsk-[A-Za-z0-9]{20}/g, ['sk-']],
    [/(?:AKIA|ASIA)[A-Z0-9]{16}/, ['akia', 'asia']],
    [/gh[pou]_x/, ['gho_x', 'ghp_x', 'ghu_x']],
    [/(?<![\d-])\d{3}-\d{2}/, ['-']],
    [/a(?:bc|de)?f/, ['abcf', 'adef', 'af']],
    [/<\|(?:im_start|im_end)\|>/i, ['<|im_end|>', '<|im_start|>']],
    [/\bnever refuses?\b/, ['never refuse', 'never refuses']],
    [/x\d/, ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8', 'x9']],
  ] as const)('%s needs one of %j', (re, expected) => {
    expect(requiredLiterals(re)).toEqual(expected);
  });

  it.each([
    [/\w+@/, ['@']],
    [/.*abc/, ['abc']],
    [/(?:ab)*c/, ['c']],
  ] as const)('keeps the literal part of %s', (re, expected) => {
    expect(requiredLiterals(re)).toEqual(expected);
  });

  it.each([
    ['an optional part', /(?:abc)?/],
    ['a class too large', /[a-z]{4}/],
    ['a negated class', /[^x]+/],
    ['a word class', /\w+/],
    ['a back-reference', /(a)\1/],
    ['a branch with no literal', /abc|\d*/],
    ['a Unicode property', /\p{L}+/u],
    ['an accented letter under i (É matches é)', /é/i],
    ['k under iu (U+212A KELVIN SIGN matches k)', /k/iu],
    ['s under iu (U+017F LONG S matches s)', /s/iu],
    // Built at run time: the compiler targets a version without the v flag.
    ['the v flag', new RegExp(V_CLASS_DIFFERENCE, 'v')],
  ])('gives no requirement for %s', (_what, re) => {
    expect(requiredLiterals(re)).toBeUndefined();
  });

  it('keeps only the foldable letters under iu (the Kelvin sign still matches the regex)', () => {
    const re = /ask/iu;
    expect(requiredLiterals(re)).toEqual(['a']);
    expect(re.test('a\u017f\u212a')).toBe(true);
    expect(admitted(requiredLiterals(re), 'a\u017f\u212a')).toBe(true);
  });

  it('has a literal set for every built-in rule and detector regex that has one', () => {
    // Guards against a parser regression silently turning every prefilter off.
    for (const rule of HEURISTIC_RULES) expect(requiredLiterals(rule.regex)).toBeDefined();
    for (const d of PATTERN_DETECTORS) expect(requiredLiterals(d.regex)).toBeDefined();
  });

  const builtIn: Array<readonly [string, RegExp]> = [
    ...HEURISTIC_RULES.map((r) => [`heuristic ${r.id}`, r.regex] as const),
    ...HEURISTIC_RULES.flatMap((r) =>
      (r.followedBy?.patterns ?? []).map((p, i) => [`heuristic ${r.id} followedBy[${i}]`, p] as const),
    ),
    ...PATTERN_DETECTORS.map((d) => [`pattern ${d.id}`, d.regex] as const),
  ];
  it.each(builtIn)('every string %s matches contains one of its literals', (_name, re) => {
    const literals = requiredLiterals(re);
    const wide = new RegExp(generatable(re).source, re.flags.includes('i') ? 'i' : '');
    fc.assert(
      fc.property(
        fc
          .stringMatching(generatable(re))
          .chain((s) => (re.flags.includes('i') ? caseFlipped(s) : fc.constant(s))),
        (s) => {
          expect(wide.test(s)).toBe(true);
          expect(admitted(literals, s)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is a necessary condition for random regexes', () => {
    // GIVEN random regexes over a small alphabet (literals, classes, groups, alternation, quantifiers)
    // WHEN fast-check draws strings they match THEN each contains one of the required literals
    const atom: fc.Arbitrary<string> = fc.constantFrom(
      'a',
      'b',
      'C',
      'ab',
      'bA',
      '[ab]',
      '[a-c]',
      '\\d',
      '.',
      'x',
    );
    const regex = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        atom,
        fc.tuple(tie('node'), tie('node')).map(([x, y]) => x + y),
        fc.tuple(tie('node'), tie('node')).map(([x, y]) => `(?:${x}|${y})`),
        fc
          .tuple(tie('node'), fc.constantFrom('?', '*', '+', '{2}', '{1,3}', '{0,2}'))
          .map(([x, q]) => `(?:${x})${q}`),
      ),
    })).node;
    fc.assert(
      fc.property(
        regex
          .map((source) => new RegExp(source))
          .chain((re) => fc.tuple(fc.constant(re), fc.stringMatching(re))),
        ([re, s]) => {
          expect(admitted(requiredLiterals(re), s)).toBe(true);
        },
      ),
      { numRuns: 400 },
    );
  });
});
