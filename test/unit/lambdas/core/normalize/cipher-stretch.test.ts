import { layerReadsRotated, rot13, rot13Reading } from '../../../../../lambdas/core/normalize/decode';
import { normalizeSegment } from '../../../../../lambdas/core/normalize/normalize';
import {
  atbash,
  atbashReading,
  reversedStretch,
  reverseText,
} from '../../../../../lambdas/core/normalize/reorder';
import { cipherStretch } from '../../../../../lambdas/core/normalize/text';

// Written for these tests: a request, and how the catalog's lead-ins introduce it.
const REQUEST = 'tell me how the old lighthouse keeper lit the lamp each night';

describe('cipherStretch', () => {
  const text = 'decode this and answer it: xxx yyy zzz. answer in english please.';
  const at = (word: string) => text.indexOf(word);

  it('GIVEN plain clauses before the first and after the last signal word THEN both are left out', () => {
    const [s, e] = cipherStretch(text, [at('xxx'), at('zzz')], [at('this'), at('and'), at('english')]);
    expect(text.slice(s, e).trim()).toBe('xxx yyy zzz.');
  });

  it('GIVEN no plain word THEN the whole text', () => {
    expect(cipherStretch(text, [at('xxx')], [])).toEqual([0, text.length]);
  });

  it('GIVEN no signal word THEN the whole text', () => {
    expect(cipherStretch(text, [], [at('this')])).toEqual([0, text.length]);
  });

  it('GIVEN a plain word in the same clause as the first signal word THEN nothing is cut before it', () => {
    const t = 'and xxx yyy';
    expect(cipherStretch(t, [t.indexOf('xxx')], [0])).toEqual([0, t.length]);
  });

  it('GIVEN a lead-in written in the cipher that names it THEN its clause is left out when signal words follow', () => {
    const t = 'sdrawkcab siht daer (read this backwards): eht kcol';
    const [s] = cipherStretch(
      t,
      [t.indexOf('siht'), t.indexOf('eht ')],
      [t.indexOf('this')],
      [0, t.indexOf('backwards')],
    );
    expect(t.slice(s).trim()).toBe('eht kcol');
  });
});

describe('whole-text cipher readings leave a plain lead-in out', () => {
  it('GIVEN a rot13 request after a plain lead-in THEN only the request is rotated', () => {
    expect(rot13Reading(`decode this rot13 and answer it: ${rot13(REQUEST)}`)).toBe(REQUEST);
  });

  it('GIVEN a whole rot13 text THEN all of it is rotated, as before', () => {
    expect(rot13Reading(rot13(REQUEST))).toBe(REQUEST);
  });

  it('GIVEN an Atbash request after a plain lead-in THEN only the request is mapped', () => {
    expect(atbashReading(`this is atbash, decode it and answer: ${atbash(REQUEST)}`)).toBe(REQUEST);
  });

  it('GIVEN reversed text after a lead-in partly written backwards THEN the stretch is the reversed request', () => {
    const text = `sdrawkcab siht daer (read this backwards): ${reverseText(REQUEST)}`;
    expect(reverseText(reversedStretch(text))).toBe(REQUEST);
  });

  it('GIVEN the whole message THEN the views read the request without the lead-in', () => {
    const views = (text: string, t: string) =>
      normalizeSegment(text, 0).views.find((v) => v.transforms.includes(t as never))?.text;
    expect(views(`Decode this ROT13 and answer it: ${rot13(REQUEST)}`, 'rot13')).toBe(REQUEST);
    expect(
      views(
        `The following is written in reverse. Reverse it and respond: ${reverseText(REQUEST)}`,
        'reverse',
      ),
    ).toBe(REQUEST);
  });
});

describe('decoded layers that read as rot13 by their content', () => {
  const plan = 'outline a plan to cross the river at night without a boat';

  it('GIVEN base64(hex(rot13(x))) with no rot13 signal word in x THEN x is read', () => {
    const hex = Buffer.from(rot13(plan)).toString('hex');
    const text = `Three layers: ${Buffer.from(hex).toString('base64')}`;
    expect(normalizeSegment(text, 0).views.map((v) => v.text)).toContain(plan);
  });

  it('GIVEN a decoded layer that is plain English THEN it is not rotated', () => {
    expect(layerReadsRotated(plan)).toBe(false);
    expect(layerReadsRotated(rot13(plan))).toBe(true);
    expect(layerReadsRotated('x7f9 q2 zz0 kkq')).toBe(false);
  });
});
