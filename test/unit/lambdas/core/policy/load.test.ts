import fc from 'fast-check';
import defaultDoc from '../../../../../config/policies/default.json';
import { tierOf } from '../../../../../lambdas/core/engine/scoring';
import {
  compilePolicy,
  matchesDetector,
  PolicyError,
  parsePolicy,
} from '../../../../../lambdas/core/policy/load';

const clone = (): Record<string, any> => JSON.parse(JSON.stringify(defaultDoc));

describe('policy loading', () => {
  test('the default policy validates and has a content-hash version', () => {
    // WHEN
    const p = compilePolicy(defaultDoc, 'default.json');
    // THEN
    expect(p.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(p.categories.map(([c]) => c)).toEqual([
      'blocklist',
      'harmful',
      'injection',
      'jailbreak',
      'pii',
      'secrets',
    ]);
  });

  test('the version changes with the content and not with key order', () => {
    const a = compilePolicy(defaultDoc, 'a');
    const reordered = Object.fromEntries(Object.entries(clone()).reverse());
    const changed = clone();
    changed.categories.harmful.threshold = 0.6;
    expect(compilePolicy(reordered, 'b').version).toBe(a.version);
    expect(compilePolicy(changed, 'c').version).not.toBe(a.version);
  });

  const cases: Array<[string, (d: Record<string, any>) => void, RegExp]> = [
    [
      'a threshold is above 1',
      (d) => (d.categories.harmful.threshold = 1.5),
      /categories\.harmful\.threshold: Too big/,
    ],
    [
      'an action is unknown',
      (d) => (d.categories.harmful.action = 'nuke'),
      /categories\.harmful\.action: Invalid option/,
    ],
    [
      'a fail mode is missing',
      (d) => delete d.categories.jailbreak.failMode,
      /categories\.jailbreak\.failMode/,
    ],
    [
      'a detector id is malformed',
      (d) => (d.categories.harmful.detectors = ['tier9']),
      /categories\.harmful\.detectors\[0\]: expected a check id/,
    ],
    [
      'a category is unknown',
      (d) => (d.categories.weather = d.categories.harmful),
      /categories: Unrecognized key.*weather/,
    ],
    [
      'an unknown top-level field is present',
      (d) => (d.colour = 'blue'),
      /\(root\): Unrecognized key.*colour/,
    ],
    [
      'the tier-2 band is inverted',
      (d) => (d.tier2.band = [0.8, 0.2]),
      /tier2\.band: band\[0\] must be below band\[1\]/,
    ],
    [
      'tier 2 scores an unconfigured category',
      (d) => {
        delete d.categories.injection;
        d.tier2.categories = ['injection'];
      },
      /tier2\.categories: category 'injection' is not configured/,
    ],
    [
      'redact is used for a classifier category',
      (d) => (d.categories.harmful.action = 'redact'),
      /categories\.harmful\.action: redact applies only to span detectors/,
    ],
    ['the schema id is wrong', (d) => (d.schema = 'csp.policy/v0'), /schema: Invalid input/],
    ['the deadline is zero', (d) => (d.tier2.deadlineMs = 0), /tier2\.deadlineMs: Too small/],
  ];

  test.each(cases)('fails when %s', (_name, mutate, expected) => {
    // GIVEN
    const doc = clone();
    mutate(doc);
    // WHEN / THEN
    let error: unknown;
    try {
      compilePolicy(doc, 'config/policies/broken.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const message = (error as PolicyError).message;
    expect(message).toContain('config/policies/broken.json');
    expect(message).toMatch(expected);
  });

  test('fails when the file is not JSON, naming the file', () => {
    expect(() => parsePolicy('{ nope', 'config/policies/x.json')).toThrow(
      /config\/policies\/x\.json: \(root\): not valid JSON/,
    );
  });

  test.each([
    ['tier1', 'tier1', true],
    ['tier1', 'tier2', false],
    ['tier0.pii.*', 'tier0.pii.email', true],
    ['tier0.pii.*', 'tier0.piiX', false],
    ['tier0.pii.*', 'tier0.secrets.aws', false],
    ['tier0.blocklist', 'tier0.blocklist', true],
  ])('detector ref %s matches %s → %s', (ref, check, expected) => {
    expect(matchesDetector(ref, check)).toBe(expected);
  });

  // The matchers compare in place; their meaning is the plain string-method reading below, on any id.
  const idPart = fc.constantFrom(
    'tier0',
    'tier1',
    'tier2',
    'tier',
    'tier12',
    'Tier1',
    'tier1x',
    'pii',
    '',
    '*',
    '.',
  );
  const id = fc.array(idPart, { maxLength: 4 }).map((parts) => parts.join('.'));
  const refOrId = fc.oneof(
    id,
    id.map((s) => `${s}.*`),
    fc.string({ maxLength: 8 }),
  );

  test('matchesDetector is exact match, or prefix match for `prefix.*`, on any strings', () => {
    const reference = (ref: string, check: string) =>
      ref.endsWith('.*') ? check.startsWith(ref.slice(0, -1)) : ref === check;
    fc.assert(
      fc.property(refOrId, fc.oneof(id, fc.string({ maxLength: 8 })), (ref, check) => {
        expect(matchesDetector(ref, check)).toBe(reference(ref, check));
        expect(matchesDetector({ id: ref, threshold: 0.5 } as never, check)).toBe(reference(ref, check));
      }),
      { numRuns: 3000 },
    );
  });

  test('tierOf names tier1 / tier2 for those ids alone or before a dot, else tier0', () => {
    const reference = (d: string) =>
      (['tier1', 'tier2'] as const).find((t) => d === t || d.startsWith(`${t}.`)) ?? 'tier0';
    fc.assert(
      fc.property(fc.oneof(id, fc.string({ maxLength: 8 })), (d) => {
        expect(tierOf(d)).toBe(reference(d));
      }),
      { numRuns: 3000 },
    );
  });
});
