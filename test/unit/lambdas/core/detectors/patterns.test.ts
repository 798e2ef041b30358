import {
  HEURISTIC_RULES,
  HIDDEN_GAP_RE,
  PATTERN_DETECTORS,
  patternFindings,
  SYMBOL_RE,
} from '../../../../../lambdas/core/detectors';
import { WORD_CHARACTER_RE } from '../../../../../lambdas/core/detectors/blocklist';
import { SENTENCE_END } from '../../../../../lambdas/core/detectors/heuristics';
import {
  cardValid,
  IBAN_SHAPE,
  ISSUER_PREFIX,
  ibanValid,
  luhnValid,
  ssnValid,
  THOUSANDS_GROUPED,
} from '../../../../../lambdas/core/detectors/validators';
import { linearTimeStatus } from '../linear-time';

const PEM =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy\n-----END RSA PRIVATE KEY-----';
const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';

/** [label, text containing it, the exact matched text]. */
const POSITIVES: ReadonlyArray<readonly [string, string, string]> = [
  ['aws-access-key', 'key=AKIAIOSFODNN7EXAMPLE;', 'AKIAIOSFODNN7EXAMPLE'],
  ['openai-key', 'use sk-proj-abcdefghijklmnopqrstuvwx123 now', 'sk-proj-abcdefghijklmnopqrstuvwx123'],
  ['github-token', `token ghp_${'a1B2'.repeat(9)}`, `ghp_${'a1B2'.repeat(9)}`],
  ['github-token', `github_pat_${'x'.repeat(30)}`, `github_pat_${'x'.repeat(30)}`],
  ['slack-token', 'xoxb-1234567890-abcdefghij', 'xoxb-1234567890-abcdefghij'],
  ['google-api-key', `k: AIza${'B7'.repeat(17)}C`, `AIza${'B7'.repeat(17)}C`],
  ['jwt', `Authorization: Bearer ${JWT}`, JWT],
  ['private-key', `here:\n${PEM}\nthanks`, PEM],
  ['email', 'mail alice.smith+tag@mail.example.co.uk today', 'alice.smith+tag@mail.example.co.uk'],
  ['card', 'card 4111 1111 1111 1111 exp', '4111 1111 1111 1111'],
  ['card', 'card 4111-1111-1111-1111.', '4111-1111-1111-1111'],
  ['card', 'amex 378282246310005', '378282246310005'],
  ['iban', 'IBAN GB82 WEST 1234 5698 7654 32 ok', 'GB82 WEST 1234 5698 7654 32'],
  ['iban', 'DE89370400440532013000', 'DE89370400440532013000'],
  ['ssn', 'ssn 123-45-6789.', '123-45-6789'],
  ['phone', 'call +14155552671', '+14155552671'],
  ['phone', 'call (415) 555-2671 now', '(415) 555-2671'],
  ['phone', 'call 415-555-2671', '415-555-2671'],
  ['phone', 'ring +44 20 7946 0958', '+44 20 7946 0958'],
];

/** [label, near-miss text that must NOT produce that label]. */
const NEGATIVES: ReadonlyArray<readonly [string, string]> = [
  ['aws-access-key', 'AKIAIOSFODNN7EXAMPL is one short'],
  ['aws-access-key', 'akiaiosfodnn7example lowercase'],
  ['openai-key', 'task-abcdefghijklmnopqrstuvwxyz is a slug'],
  ['openai-key', 'sk-short'],
  ['github-token', `ghp_${'a'.repeat(20)}`],
  ['slack-token', 'xoxz-1234567890abc'],
  ['google-api-key', 'AIza-too-short'],
  ['jwt', 'eyJhbGciOiJIUzI1NiJ9.notajwt'],
  ['private-key', '-----BEGIN PUBLIC KEY-----'],
  ['email', 'alice@localhost'],
  ['email', 'write to @example.com'],
  ['card', '4111 1111 1111 1112 fails Luhn'],
  ['card', '1234567812345670 has no issuer prefix'],
  ['card', '0000 0000 0000 0000'],
  ['iban', 'GB82 WEST 1234 5698 7654 33 bad checksum'],
  ['ssn', '000-12-3456'],
  ['ssn', '666-12-3456'],
  ['ssn', '123-00-6789'],
  ['ssn', '123-45-67890'],
  ['phone', 'the budget is 100.000.000 euros'],
  ['phone', 'on 2023-10-12 at noon'],
  ['phone', 'version 1.2.3'],
];

describe('secrets and PII patterns', () => {
  it.each(POSITIVES)('%s: finds it in %j', (label, text, expected) => {
    const found = patternFindings(text, 0).filter((f) => f.label === label);
    expect(found.map((f) => text.slice(f.span![0], f.span![1]))).toEqual([expected]);
    expect(found[0]!.detector).toMatch(/^tier0\.(pii|secrets)\./);
  });

  it.each(NEGATIVES)('%s: ignores near miss %j', (label, text) => {
    expect(patternFindings(text, 0).filter((f) => f.label === label)).toEqual([]);
  });

  it('reports only the stronger of overlapping matches (card, not a phone inside it)', () => {
    const labels = patternFindings('4111 1111 1111 1111', 0).map((f) => f.label);
    expect(labels).toEqual(['card']);
  });

  it('carries the segment index and uses the secrets category for keys', () => {
    const [f] = patternFindings('AKIAIOSFODNN7EXAMPLE', 3);
    expect(f).toMatchObject({ segment: 3, category: 'secrets', detector: 'tier0.secrets.aws-access-key' });
  });
});

describe('validators', () => {
  it.each([
    ['4111111111111111', true],
    ['4111111111111112', false],
    ['79927398713', true],
    ['', false],
  ])('luhnValid(%s) = %s', (d, ok) => expect(luhnValid(d)).toBe(ok));
  it('cardValid requires 13-19 digits and an issuer prefix', () => {
    expect(cardValid('5555555555554444')).toBe(true);
    expect(cardValid('411111111111')).toBe(false);
    expect(cardValid('7111111111111114')).toBe(false);
  });
  it('ibanValid applies mod-97', () => {
    expect(ibanValid('FR1420041010050500013M02606')).toBe(true);
    expect(ibanValid('FR1420041010050500013M02607')).toBe(false);
  });
  it('ssnValid rejects 9xx areas', () => expect(ssnValid('912345678')).toBe(false));
});

describe('every regex is linear-time (recheck)', () => {
  const regexes: Array<readonly [string, RegExp]> = [
    ...PATTERN_DETECTORS.map((d) => [`pattern ${d.id}`, d.regex] as const),
    ...HEURISTIC_RULES.map((r) => [`heuristic ${r.id}`, r.regex] as const),
    ...HEURISTIC_RULES.flatMap((r) =>
      (r.followedBy?.patterns ?? []).map((p, i) => [`heuristic ${r.id} followedBy[${i}]`, p] as const),
    ),
    ['SENTENCE_END', SENTENCE_END],
    ['ISSUER_PREFIX', ISSUER_PREFIX],
    ['IBAN_SHAPE', IBAN_SHAPE],
    ['THOUSANDS_GROUPED', THOUSANDS_GROUPED],
    ['blocklist WORD_CHARACTER_RE', WORD_CHARACTER_RE],
    ['tier-0 HIDDEN_GAP_RE', HIDDEN_GAP_RE],
    ['tier-0 SYMBOL_RE', SYMBOL_RE],
  ];
  it.each(regexes)(
    '%s is safe',
    (_name, regex) => {
      expect(linearTimeStatus(regex)).toBe('safe');
    },
    60_000,
  );
});
