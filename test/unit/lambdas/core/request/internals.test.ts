import fc from 'fast-check';
import {
  formatErrorPath,
  formatPath,
  type PathStep,
  parsePath,
} from '../../../../../lambdas/core/request/errors';
import { prescanJson } from '../../../../../lambdas/core/request/prescan';
import { urlProblem } from '../../../../../lambdas/core/request/url-policy';

describe('urlProblem', () => {
  it.each([
    ['https://example.com/cat.png', undefined],
    ['https://example.com:443/cat.png', undefined],
    ['http://example.com/cat.png', 'only https URLs are allowed'],
    ['ftp://example.com/x', 'only https URLs are allowed'],
    ['not a url', 'not a valid absolute URL'],
    ['https://0xa9.0xfe.0xa9.0xfe/', 'URL host is a private, loopback or link-local address'],
    ['https://127.1/', 'URL host is a private, loopback or link-local address'],
    ['https://169.254.169.254./', 'URL host is a private, loopback or link-local address'],
    ['https://100.64.0.1/', 'URL host is a private, loopback or link-local address'],
    ['https://[fd00:ec2::254]/', 'URL host is a private, loopback or link-local address'],
    ['https://[fe80::1]/', 'URL host is a private, loopback or link-local address'],
    ['https://[::ffff:127.0.0.1]/', 'URL host is a private, loopback or link-local address'],
    ['https://foo.internal/', 'URL host is not a public internet host'],
    ['https://printer.local/', 'URL host is not a public internet host'],
    ['https://intranet/', 'URL host is not a public internet host'],
    [`https://example.com/${'a'.repeat(2100)}`, 'URL longer than 2048 characters'],
  ])('GIVEN %s WHEN checked THEN %s', (url, expected) => {
    expect(urlProblem(url)).toBe(expected);
  });
});

describe('prescanJson', () => {
  it.each([
    ['valid nested JSON', '{"a":[{"b":1},{"b":2}],"c":{"d":"}{]["}}', undefined],
    ['same key in sibling objects is fine', '[{"a":1},{"a":2}]', undefined],
    ['braces inside strings are ignored', '{"a":"[[[[{{{{","b":"\\"}"}', undefined],
    ['duplicate in second array element', '{"x":[{"a":1},{"a":1,"a":2}]}', 'x[1].a'],
    ['depth exactly at the limit', `${'['.repeat(3)}${']'.repeat(3)}`, undefined],
    ['depth over the limit', `${'['.repeat(4)}${']'.repeat(4)}`, '[0][0][0]'],
  ])('GIVEN %s WHEN pre-scanned (depth 3) THEN %s', (_name, json, field) => {
    expect(prescanJson(json, 3)?.field).toBe(field);
  });
});

describe('paths', () => {
  it('GIVEN any path WHEN formatted and parsed back THEN the same steps', () => {
    const step = fc.oneof(fc.nat({ max: 10_000 }), fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps: PathStep[]) => {
        // A leading numeric-looking string key is quoted, so it round-trips as a string.
        expect(parsePath(formatPath(steps))).toEqual(steps);
      }),
    );
  });

  it('GIVEN keys that are not identifiers WHEN rendered for an error THEN they are hidden', () => {
    expect(formatErrorPath(['messages', 0, 'input', '<script>', 'ok'])).toBe('messages[0].input[?].ok');
  });
});

describe('prescanJson — escapes before quotes', () => {
  it.each([
    ['escaped backslash ends a value', '{"a":"x\\\\","a":1}', 'a'],
    ['escaped quote inside a value', '{"a":"\\"","b":1,"b":2}', 'b'],
    ['three backslashes then a quote', '{"a":"\\\\\\"","a":1}', 'a'],
    ['three backslashes then a quote, distinct keys', '{"a":"\\\\\\"","b":1}', undefined],
    ['escaped quote in a key', '{"a\\"b":1,"a\\"b":2}', '[?]'],
  ])('GIVEN %s WHEN pre-scanned THEN %s', (_name, json, field) => {
    expect(prescanJson(json, 64)?.field).toBe(field);
  });
});
