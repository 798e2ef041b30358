import { CONTINUATION_KINDS, continuation, taskPhrase } from '../../../../classifier/exchange/pairs';

describe('exchange pairs', () => {
  test('the same row always gets the same continuation; harmful and benign rows share the templates', () => {
    for (const kind of CONTINUATION_KINDS) {
      expect(continuation(kind, 'src:1', 'How do I bake bread?')).toBe(
        continuation(kind, 'src:1', 'How do I bake bread?'),
      );
    }
    // Generic and refusal continuations do not depend on the request text at all.
    expect(continuation('generic', 'src:1', 'a')).toBe(continuation('generic', 'src:1', 'b'));
    expect(continuation('refusal', 'src:1', 'a')).toBe(continuation('refusal', 'src:1', 'b'));
  });

  test('the echo continuation restates the request as a task', () => {
    const out = continuation('echo', 'src:2', 'Write a poem about the sea?\nThanks');
    expect(out).toMatch(/write a poem about the sea:\n\n1\./);
    expect(taskPhrase('  \n Explain TCP!!  ')).toBe('explain TCP');
    expect(taskPhrase('x'.repeat(500))).toHaveLength(200);
  });
});
