import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  buildProbeRequest,
  compileProbes,
  defaultProbes,
  joinUrl,
  type Probe,
  ProbeSetError,
  selectProbes,
} from '../../../../../lambdas/core/canary';

const FILE = 'config/canary/probes.json';
const doc = (): { schema: string; probes: Record<string, unknown>[] } =>
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../../..', FILE), 'utf8'));
const issues = (value: unknown): readonly string[] => {
  try {
    compileProbes(value, FILE);
  } catch (e) {
    expect(e).toBeInstanceOf(ProbeSetError);
    return (e as ProbeSetError).issues;
  }
  throw new Error('expected the probes to be rejected');
};

describe('probe set (config/canary/probes.json)', () => {
  test('the shipped set: a known-good input, known-bad inputs (injection, harmful), an output probe', () => {
    const set = defaultProbes();
    expect(set.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    const kinds = set.probes.map((p) => [p.stage, p.expect]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['input', 'allowed'],
        ['input', 'blocked'],
        ['output', 'refused'],
      ]),
    );
    expect(
      set.probes.filter((p) => p.stage === 'input' && p.expect === 'blocked').length,
    ).toBeGreaterThanOrEqual(2);
  });

  test('output probes run only when enabled', () => {
    const set = defaultProbes();
    expect(selectProbes(set, { outputProbes: false }).every((p) => p.stage === 'input')).toBe(true);
    expect(selectProbes(set, { outputProbes: true })).toHaveLength(set.probes.length);
  });

  test('fails when ids repeat', () => {
    const d = doc();
    d.probes[1]!['id'] = d.probes[0]!['id'];
    expect(issues(d)).toEqual([`probes[1].id: duplicate probe id '${d.probes[0]!['id']}'`]);
  });

  test('fails when an output probe expects anything but refused, or an input probe expects refused', () => {
    const d = doc();
    const output = d.probes.findIndex((p) => p['stage'] === 'output');
    d.probes[output]!['expect'] = 'blocked';
    d.probes[1]!['expect'] = 'refused';
    expect(issues(d)).toEqual([
      "probes[1].expect: an input probe expects allowed or blocked, got 'refused'",
      `probes[${output}].expect: an output probe expects refused, got 'blocked'`,
    ]);
  });

  test('fails without a known-good or a known-bad input probe', () => {
    const d = doc();
    d.probes = d.probes.filter((p) => p['expect'] !== 'allowed');
    expect(issues(d)).toEqual(['probes: expected at least one input probe that must be allowed']);
  });

  test('fails on unknown fields and bad ids (strict objects)', () => {
    const d = doc();
    d.probes[0]!['apiKey'] = 'x';
    d.probes[1]!['id'] = 'Bad Id';
    expect(issues(d)).toEqual([
      'probes[0]: Unrecognized key: "apiKey" (apiKey)',
      'probes[1].id: expected a lower-case id like bad-injection',
    ]);
  });
});

describe('probe requests', () => {
  const probe: Probe = { id: 'p', stage: 'input', expect: 'blocked', prompt: 'hello', maxTokens: 16 };
  const target = {
    baseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/',
    apiKey: 'csk_k',
    model: 'anthropic.m-v1:0',
  };

  test('joinUrl keeps the stage prefix with or without a trailing slash', () => {
    expect(joinUrl('https://h/prod/', 'v1/messages')).toBe('https://h/prod/v1/messages');
    expect(joinUrl('https://h/prod', 'v1/messages')).toBe('https://h/prod/v1/messages');
    expect(joinUrl('http://127.0.0.1:8787', 'v1/messages')).toBe('http://127.0.0.1:8787/v1/messages');
  });

  test.each([
    ['messages', 'https://abc.execute-api.eu-west-1.amazonaws.com/prod/v1/messages', 'json', 'x-api-key'],
    [
      'messages-stream',
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod/v1/messages',
      'sse',
      'x-api-key',
    ],
    [
      'bedrock.invoke',
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod/model/anthropic.m-v1%3A0/invoke',
      'json',
      'authorization',
    ],
    [
      'bedrock.invoke-stream',
      'https://abc.execute-api.eu-west-1.amazonaws.com/prod/model/anthropic.m-v1%3A0/invoke-with-response-stream',
      'eventstream',
      'authorization',
    ],
  ] as const)('%s: url, framing, credential header', (route, url, framing, credential) => {
    const r = buildProbeRequest(route, probe, target);
    expect([r.url, r.framing]).toEqual([url, framing]);
    expect(r.headers[credential]).toBe(credential === 'authorization' ? 'Bearer csk_k' : 'csk_k');
    const body = JSON.parse(r.body);
    expect(body.messages).toEqual([{ role: 'user', content: 'hello' }]);
    expect(body.max_tokens).toBe(16);
    if (route.startsWith('bedrock')) {
      expect(body).toEqual(expect.objectContaining({ anthropic_version: 'bedrock-2023-05-31' }));
      expect(body.model).toBeUndefined();
    } else {
      expect(body.model).toBe('anthropic.m-v1:0');
      expect(body.stream).toBe(route === 'messages-stream' ? true : undefined);
    }
  });
});
