import { generateKeyPairSync } from 'node:crypto';
import { type AuthorizeDeps, authorize, EDGE_REFUSED_METRIC } from '../../../../lambdas/authorizer/authorize';
import { ASSERTION_HEADER, signAssertion } from '../../../../lambdas/core/edge/assertion';
import { hashApiKey } from '../../../../lambdas/core/enforcement/keys';

const pair = generateKeyPairSync('ed25519');
const KEY = 'csk_0123456789abcdefghijABCDEFGHIJkl';
const NOW = 1_800_000_000_000;
const LINE = { method: 'POST', path: '/v1/messages' };

function deps(
  edge: boolean,
): AuthorizeDeps & { lookups: number; metrics: { names: string[] } & AuthorizeDeps['metrics'] } {
  const names: string[] = [];
  const state = {
    lookups: 0,
    tenants: {
      lookup: async (hash: string) => {
        state.lookups++;
        return hash === hashApiKey(KEY)
          ? { keyHash: hash, tenantId: 'acme', tier: 'standard', status: 'active' as const, zone: 'EU' }
          : undefined;
      },
    },
    limiter: { admit: async () => ({ allowed: true as const, retryAfterMs: 0 }) },
    now: () => NOW,
    logger: { error: () => undefined },
    metrics: { names, addMetric: (n: string) => void names.push(n) },
    ...(edge ? { edge: { region: 'eu-west-1', publicKeys: [pair.publicKey] } } : {}),
  };
  return state as never;
}

const assertion = (over: Partial<{ region: string; path: string; at: number }> = {}) =>
  signAssertion(
    { region: over.region ?? 'eu-west-1', method: 'POST', path: over.path ?? '/v1/messages', apiKey: KEY },
    pair.privateKey,
    over.at ?? NOW,
  );

describe('authorizer: requests must come through the edge when the region requires it', () => {
  it('serves a request carrying a valid edge assertion', async () => {
    const d = deps(true);
    const out = await authorize({ 'x-api-key': KEY, [ASSERTION_HEADER]: assertion() }, d, LINE);
    expect(out.allow).toBe(true);
  });

  it.each([
    ['no assertion', {}],
    ['an assertion for another region', { [ASSERTION_HEADER]: assertion({ region: 'us-east-1' }) }],
    ['an assertion for another route', { [ASSERTION_HEADER]: assertion({ path: '/model/x/invoke' }) }],
    ['a stale assertion', { [ASSERTION_HEADER]: assertion({ at: NOW - 120_000 }) }],
    ['a forged assertion', { [ASSERTION_HEADER]: `${NOW}.${'A'.repeat(86)}` }],
    ['two different assertions', { [ASSERTION_HEADER]: [assertion(), assertion({ at: NOW - 1 })] }],
  ])('refuses %s before reading any table, counted', async (_label, extra) => {
    const d = deps(true);
    const out = await authorize({ 'x-api-key': KEY, ...extra }, d, LINE);
    expect(out).toEqual({ allow: false, reason: 'not_via_edge' });
    expect(d.lookups).toBe(0);
    expect(d.metrics.names).toEqual([EDGE_REFUSED_METRIC]);
  });

  it('refuses when the request line is unknown', async () => {
    const out = await authorize({ 'x-api-key': KEY, [ASSERTION_HEADER]: assertion() }, deps(true));
    expect(out).toEqual({ allow: false, reason: 'not_via_edge' });
  });

  it('ignores assertions when the region does not require the edge', async () => {
    const out = await authorize({ 'x-api-key': KEY }, deps(false), LINE);
    expect(out.allow).toBe(true);
  });
});
