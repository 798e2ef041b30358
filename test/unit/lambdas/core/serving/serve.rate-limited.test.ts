import '../../proxy/env';
import { serveInference } from '../../../../../lambdas/core/serving';
import { identityFrom } from '../../../../../lambdas/proxy/handler';
import { FakeWriter, harness, inbound, messagesBody } from './fakes';

describe('authorizer rate-limit flag', () => {
  test('the flag in the authorizer context becomes a 429 with retry-after and one record, without a model call', async () => {
    // GIVEN the context API Gateway passes for RATE_LIMIT_RESPONSE=flag
    const identity = identityFrom({
      tenantId: 't-1',
      tier: 'standard',
      zone: 'eu',
      keyHash: 'a'.repeat(64),
      rateLimited: 'true',
      retryAfterSeconds: '7',
    });
    const h = harness();
    const res = new FakeWriter();
    // WHEN
    await serveInference(inbound('messages', messagesBody('hello'), { identity }), h.deps, res);
    // THEN
    expect(res.status).toBe(429);
    expect(res.headers['retry-after']).toBe('7');
    expect(res.json().error.type).toBe('rate_limit_error');
    expect(h.upstream.calls).toHaveLength(0);
    expect(h.records).toEqual([
      expect.objectContaining({ status: 429, reason: 'rate_limited', stage: 'auth' }),
    ]);
  });

  test('a throttled tenant: the 429 carries the notice from the authorizer (by whom, until when, how to lift it)', async () => {
    const notice =
      'tenant t-1 is throttled (reduced rate limits) by the automatic enforcement ladder (strikes-10m: 3 strikes within 10 min) until 2026-12-08T00:15:00Z; an operator lifts it now with `npx safeguards tenant reinstate t-1 --reason <text>` (operator API: POST /tenants/t-1/reinstate)';
    const identity = identityFrom({
      tenantId: 't-1',
      tier: 'standard',
      zone: 'eu',
      keyHash: 'a'.repeat(64),
      rateLimited: 'true',
      retryAfterSeconds: '7',
      notice,
    });
    const h = harness();
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hello'), { identity }), h.deps, res);
    expect(res.status).toBe(429);
    expect(res.json().error.message).toBe(
      `token rate limit exceeded; retry after the time in the retry-after header; ${notice}`,
    );
    // An oversized notice is not trusted: the context is refused as a whole (401), nothing forwarded.
    expect(
      identityFrom({
        tenantId: 't-1',
        tier: 's',
        zone: 'eu',
        keyHash: 'a'.repeat(64),
        notice: 'x'.repeat(1001),
      }),
    ).toBeNull();
  });

  test('without the flag the request is served', async () => {
    const identity = identityFrom({
      tenantId: 't-1',
      tier: 'standard',
      zone: 'eu',
      keyHash: 'a'.repeat(64),
      rateLimited: 'false',
    });
    const h = harness();
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hello'), { identity }), h.deps, res);
    expect(res.status).toBe(200);
  });
});
