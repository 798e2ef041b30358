import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CascadeDecision,
  cascadeHtml,
  cascadeSummary,
  httpTier2,
} from '../../../../scripts/lib/cascade';

const row = (
  label: CascadeDecision['label'],
  tier1Detected: boolean,
  detected: boolean,
  extra: Partial<CascadeDecision> = {},
): CascadeDecision => ({
  id: `${label}-${Math.random()}`,
  label,
  category: null,
  source: 's',
  validation: true,
  action: detected ? 'block' : 'allow',
  detected,
  tier1Detected,
  flagged: detected ? ['harmful'] : [],
  scores: {},
  escalated: false,
  latencyMs: 1,
  ...extra,
});

describe('cascade summary', () => {
  test('tiers 0+1 and cascade recall side by side; escalation counted per benign row', () => {
    const rows = [
      row('harmful', false, true, { escalated: true, tier2Ms: 2, tier2Outcome: 'ok' }),
      row('harmful', true, true),
      row('benign', true, false, { escalated: true, tier2Ms: 4, tier2Outcome: 'ok' }),
      row('benign', false, false, { escalated: true, tier2Ms: 90, tier2Outcome: 'timeout' }),
      row('benign', false, false),
      row('benign', false, false, { category: 'borderline:x' }),
    ];
    const s = cascadeSummary(rows, 'reference', [0.2, 0.9], 'abc');
    expect(s.tier1Only.recall.harmful).toBe(0.5);
    expect(s.cascade.recall.harmful).toBe(1);
    expect(s.tier1Only.fpr.general).toBeCloseTo(1 / 3, 4);
    expect(s.cascade.fpr.general).toBe(0);
    expect(s.escalation.benignRate).toBe(0.5);
    expect(s.escalation.perThousandBenign).toBe(500);
    expect(s.escalation.generalBenignRate).toBeCloseTo(0.6667, 4);
    expect(s.tier2LatencyMs).toEqual({ calls: 3, p50: 4, p99: 90, max: 90 });
    expect(s.tier2Outcomes).toEqual({ ok: 2, timeout: 1 });
    const html = cascadeHtml({ ...s, tier2: 'http://x/<script>' });
    expect(html).toContain('recall harmful');
    expect(html).not.toContain('<script>');
  });
});

describe('HTTP tier-2 client', () => {
  test('posts {"inputs"} to <url>/invocations; non-2xx throws, non-JSON comes back as an invalid shape', async () => {
    let mode: 'ok' | 'fail' | 'text' = 'ok';
    const seen: string[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${body}`);
        if (mode === 'fail') res.writeHead(503).end('down');
        else if (mode === 'text') res.writeHead(200).end('not json');
        else res.writeHead(200, { 'content-type': 'application/json' }).end('{"scores":{"harmful":0.7}}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const client = httpTier2(`${url}/`);
      const signal = new AbortController().signal;
      await expect(client.classify('hello', signal)).resolves.toEqual({ scores: { harmful: 0.7 } });
      expect(seen[0]).toBe('POST /invocations {"inputs":"hello"}');
      mode = 'fail';
      await expect(client.classify('x', signal)).rejects.toThrow(/HTTP 503/);
      mode = 'text';
      await expect(client.classify('x', signal)).resolves.toEqual({ invalid: 'not json' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
