import { foldHomoglyphs } from '../../../../../lambdas/core/normalize/homoglyph-fold';
import { CONFUSABLE_BLOCKS_RE } from '../../../../../lambdas/core/normalize/homoglyphs';
import { emptyInvisibleCounts, stripInvisible } from '../../../../../lambdas/core/normalize/invisible';
import { foldLetterlike, letterlikeTable } from '../../../../../lambdas/core/normalize/letterlike';
import { canonicalize, nfkc } from '../../../../../lambdas/core/normalize/normalize';
import {
  COMBINING_MARK_RE,
  INVISIBLE_RE,
  WHITESPACE_RE,
} from '../../../../../lambdas/core/normalize/patterns';
import { inertAndPlain } from '../../../../../lambdas/core/normalize/plain';

/** Every code point that is a non-first character of some canonical decomposition (a composition second). */
function compositionSeconds(): Set<number> {
  const seconds = new Set<number>();
  for (let c = 0; c <= 0x10ffff; c++) {
    if (c >= 0xd800 && c <= 0xdfff) continue;
    const d = [...String.fromCodePoint(c).normalize('NFD')];
    for (const x of d.slice(1)) seconds.add(x.codePointAt(0) ?? 0);
  }
  return seconds;
}

/**
 * Whether `c` has a non-zero canonical combining class: canonical ordering then moves it before
 * U+0345 (ccc 240, the highest but for marks); a starter (ccc 0) blocks any reordering.
 */
const hasCombiningClass = (c: string): boolean =>
  `a\u0345${c}`.normalize('NFD') !== `a\u0345${c.normalize('NFD')}`;

/** The canonical pipeline with String.prototype.normalize everywhere (no shortcut). */
const reference = (s: string): string => {
  const lettered = foldLetterlike(stripInvisible(s, emptyInvisibleCounts())).text.normalize('NFKC');
  const unmarked = foldLetterlike(lettered).text.replace(COMBINING_MARK_RE, '');
  const folded = foldHomoglyphs(unmarked).text;
  return folded
    .toLowerCase()
    .normalize('NFKC')
    .replace(COMBINING_MARK_RE, '')
    .replace(WHITESPACE_RE, ' ')
    .trim();
};

describe('inert and plain characters (the canonical fast paths)', () => {
  const { inert, plain } = inertAndPlain();

  it('GIVEN every inert code point THEN it is NFKC-stable, has combining class 0 and never composes with what precedes it', () => {
    const seconds = compositionSeconds();
    const bad = inert.filter((c) => {
      const s = String.fromCharCode(c);
      return s.normalize('NFKC') !== s || hasCombiningClass(s) || seconds.has(c);
    });
    expect(bad.map((c) => c.toString(16))).toEqual([]);
    expect(inert.length).toBeGreaterThan(30_000);
    expect(hasCombiningClass('\u0301')).toBe(true);
    expect(hasCombiningClass('\u00e9')).toBe(false);
  });

  it('GIVEN every plain code point THEN it is inert, not invisible, not letter-like and outside the confusable blocks', () => {
    const inertSet = new Set(inert);
    const invisible = new RegExp(INVISIBLE_RE.source, 'u');
    const blocks = new RegExp(CONFUSABLE_BLOCKS_RE.source);
    const bad = plain.filter((c) => {
      const s = String.fromCharCode(c);
      return !inertSet.has(c) || invisible.test(s) || blocks.test(s) || letterlikeTable().has(c);
    });
    expect(bad).toEqual([]);
    expect(plain).toEqual(expect.arrayContaining([0x2019, 0x201c, 0x201d, 0x2014, 0xe9, 0x4e2d, 0xd55c]));
  });

  it('GIVEN every plain and inert code point between ASCII WHEN canonicalized THEN the reference pipeline agrees', () => {
    const bad = inert.filter((c) => {
      const s = `Ab${String.fromCharCode(c)}Cd\u2028x `;
      return canonicalize(s) !== reference(s) || nfkc(s) !== s.normalize('NFKC');
    });
    expect(bad.map((c) => c.toString(16))).toEqual([]);
  });
});
