import fc from 'fast-check';
import { type FeatureConfig, PrefixSums } from '../../../../../lambdas/core/classifier/features';
import { decodeWeights, type ModelArtifact } from '../../../../../lambdas/core/classifier/model';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const artifact = require('../../../../../lambdas/core/classifier/model.json') as ModelArtifact;
const SHIPPED = artifact.features;
/** The shipped settings with fewer buckets (collisions are more likely, tables are cheap to build). */
const SMALL: FeatureConfig = { ...SHIPPED, buckets: 1 << 10 };

/** Int8 weights from a seed; `extreme` puts every weight at −128 or 127 (the largest lane steps). */
function weights(buckets: number, seed: number, extreme: boolean): Int8Array {
  const q = new Int8Array(buckets * 3);
  let x = seed >>> 0;
  for (let i = 0; i < q.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    q[i] = extreme ? (x & 0x100 ? 127 : -128) : ((x >>> 8) & 0xff) - 128;
  }
  return q;
}

/** Sorted distinct boundaries in [0, n], always including 0 and n, plus a few chosen by the seed. */
function boundsOf(n: number, seed: number): Int32Array {
  const set = new Set([0, n]);
  let x = seed >>> 0;
  for (let k = 0; k < (seed % 13) + 1; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    set.add(x % (n + 1));
  }
  return Int32Array.from([...set].sort((a, b) => a - b));
}

function sums(s: PrefixSums, text: string, bounds: Int32Array): Float64Array {
  const cum = new Float64Array(bounds.length * 4);
  s.run(text, bounds, bounds.length, cum);
  return cum;
}

const words = ['the', 'bomb', 'weapon', 'meth', 'hack', 'ignore', 'a', 'é', 'x1', 'Straße', '\ud800', '😀'];
const textArb = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .array(fc.oneof(fc.constantFrom(...words), fc.constantFrom(' ', '. ', '  ', ',', '\t', '-')), {
      maxLength: 400,
    })
    .map((w) => w.join('')),
);

describe('PrefixSums: the packed pass', () => {
  it('applies to the shipped feature settings', () => {
    expect(new PrefixSums(SHIPPED, decodeWeights(artifact)).isPacked).toBe(true);
  });

  it.each([
    ['shipped settings', SMALL],
    ['integer word weight, no concepts', { ...SMALL, wordWeight: 2, conceptWeight: 0 }],
    ['quarter weights, word trigrams', { ...SMALL, wordWeight: 0.25, conceptWeight: 2.75, wordMax: 3 }],
  ] as const)('gives bit-for-bit the sums of the unpacked passes (%s)', (_name, cfg: FeatureConfig) => {
    fc.assert(
      fc.property(textArb, fc.integer({ min: 1, max: 1 << 30 }), fc.boolean(), (text, seed, extreme) => {
        const q = weights(cfg.buckets, seed, extreme);
        const packed = new PrefixSums(cfg, q);
        expect(packed.isPacked).toBe(true);
        const plain = new PrefixSums(cfg, q, { packed: false });
        const bounds = boundsOf(text.length, seed);
        const a = sums(packed, text, bounds);
        const b = sums(plain, text, bounds);
        for (let i = 0; i < a.length; i++) expect(Object.is(a[i], b[i])).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('stays exact over long texts of extreme weights (many lane decodes)', () => {
    const q = weights(SHIPPED.buckets, 7, true);
    const packed = new PrefixSums(SHIPPED, q);
    const plain = new PrefixSums(SHIPPED, q, { packed: false });
    const text = 'bomb weapon hack meth '.repeat(3000) + 'zzzz'.repeat(5000);
    const bounds = boundsOf(text.length, 99);
    expect(sums(packed, text, bounds)).toEqual(sums(plain, text, bounds));
  });

  it('falls back to the unpacked passes when the weights do not pack', () => {
    const q = weights(SHIPPED.buckets, 3, false);
    expect(new PrefixSums({ ...SHIPPED, wordWeight: 0.1 }, q).isPacked).toBe(false);
    expect(new PrefixSums({ ...SHIPPED, conceptWeight: 1000 }, q).isPacked).toBe(false);
    expect(new PrefixSums({ ...SHIPPED, charMin: 3 }, q).isPacked).toBe(false);
  });
});
