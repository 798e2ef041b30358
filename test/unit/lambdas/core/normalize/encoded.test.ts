import fc from 'fast-check';
import { maskEncodedRuns } from '../../../../../lambdas/core/normalize/encoded';

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

/** Reference: the same rule written with a regex over maximal runs. */
function reference(text: string, min: number): string {
  return text.replace(/[A-Za-z0-9+/]+(={0,2})/g, (run, pad: string) => {
    const body = run.slice(0, run.length - pad.length);
    const encoded = /[0-9+]/.test(body) || pad.length > 0 || (!body.includes('/') && body.length >= min + 8);
    return body.length >= min && encoded ? ' ' : run;
  });
}

describe('maskEncodedRuns matches a reference implementation', () => {
  it('on text mixing words, blobs, padding and separators (fast path included)', () => {
    const piece = fc.oneof(
      fc.constantFrom('word', 'a/b', '=', '==', ' ', '. ', 'triphenylphosphoranylidene'),
      fc.base64String({ minLength: 1, maxLength: 50 }),
      fc.stringMatching(/^[a-z]{20,40}$/),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (parts) => {
        const t = parts.join('');
        expect(maskEncodedRuns(t, 24)).toBe(reference(t, 24));
      }),
      { numRuns: 300 },
    );
  });
});
