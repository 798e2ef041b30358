import fc from 'fast-check';
import { maskEncodedRuns } from '../../../../lambdas/core/normalize/encoded';

describe('maskEncodedRuns', () => {
  it('masks base64 and hex blobs, with their padding', () => {
    const b64 = Buffer.from('What is the capital of France?').toString('base64');
    expect(maskEncodedRuns(`Decode this base64 and answer it: ${b64}`, 24)).toBe(
      'Decode this base64 and answer it:  ',
    );
    expect(maskEncodedRuns(`hex ${'48656c6c6f20776f726c6421'.repeat(2)} end`, 24)).toBe('hex   end');
    expect(maskEncodedRuns('d2hhdcbpcyb0agugy2fwaxrhbcbvzibmcmfu', 24)).toBe(' ');
  });

  it('keeps words, slash lists and short tokens', () => {
    for (const t of [
      'What is the capital of France?',
      'triphenylphosphoranylidene is a reagent',
      'Harassment/Discrimination and illegal/unethical/inhumane',
      'sha 81dc9bdb52d04dc2 short',
    ]) {
      expect(maskEncodedRuns(t, 24)).toBe(t);
    }
  });

  it('never grows the text and is idempotent', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 120 }), fc.base64String({ maxLength: 120 })), (t) => {
        const once = maskEncodedRuns(t, 24);
        expect(once.length).toBeLessThanOrEqual(t.length);
        expect(maskEncodedRuns(once, 24)).toBe(once);
      }),
    );
  });
});
