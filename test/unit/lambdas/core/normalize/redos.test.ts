import { COMPLIANCE_RE, PROHIBITION_HEAD_RE } from '../../../../../lambdas/core/engine/trust';
import { CONFUSABLE_BLOCKS_RE, HOMOGLYPH_RE } from '../../../../../lambdas/core/normalize/homoglyphs';
import { ALL_PATTERNS } from '../../../../../lambdas/core/normalize/patterns';
import { REQUEST_PATTERNS } from '../../../../../lambdas/core/request/patterns';
import { linearTimeStatus } from '../linear-time';

const PATTERNS: ReadonlyArray<readonly [string, RegExp]> = [
  ...Object.entries(ALL_PATTERNS),
  ['HOMOGLYPH_RE', HOMOGLYPH_RE],
  ['CONFUSABLE_BLOCKS_RE', CONFUSABLE_BLOCKS_RE],
  ...Object.entries(REQUEST_PATTERNS).map(([k, v]) => [`request.${k}`, v] as const),
  ['engine.PROHIBITION_HEAD_RE', PROHIBITION_HEAD_RE],
  ['engine.COMPLIANCE_RE', COMPLIANCE_RE],
];

describe('every regex of the normalizer and the request parser is linear-time', () => {
  it.each(PATTERNS)('GIVEN %s WHEN checked by recheck THEN it is safe', (_name, re) => {
    expect(linearTimeStatus(re)).toBe('safe');
  });
});

describe('the linear-time check itself', () => {
  it.each([
    ['nested quantifier', /^(a+)+$/],
    ['overlapping alternation', /^(?:a|a)*$/],
    ['polynomial', /\s*#\s*$/],
  ])('GIVEN %s WHEN checked THEN it is not called safe', (_name, re) => {
    expect(linearTimeStatus(re)).toBe('vulnerable');
  });
});
