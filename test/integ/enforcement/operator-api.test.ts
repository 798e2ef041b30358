import '../../unit/lambdas/operator/env';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { localPseudonymizer } from '../../../lambdas/adapters/hmac';
import { createTenant, operatorContext } from '../../../lambdas/operator/actions';
import { makeHandler } from '../../../lambdas/operator/handler';
import { type LocalDynamo, startDynalite } from '../support/dynalite';

const ARN = 'arn:aws:sts::111111111111:assumed-role/SafeguardsOperator/alice';

const event = (
  method: string,
  resource: string,
  params: Record<string, string>,
  body?: unknown,
  caller: string | null = ARN,
) =>
  ({
    httpMethod: method,
    resource,
    pathParameters: params,
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    requestContext: { identity: { userArn: caller } },
  }) as unknown as APIGatewayProxyEvent;

describe('operator API handler against dynalite', () => {
  let db: LocalDynamo;
  let handler: ReturnType<typeof makeHandler>;
  let tenantId: string;

  beforeAll(async () => {
    db = await startDynalite('opapi-');
    handler = makeHandler((actor) => operatorContext(db.doc, db.tables, actor));
    ({ tenantId } = await createTenant(operatorContext(db.doc, db.tables, 'setup'), {
      tier: 'standard',
      zone: 'EU',
    }));
  });
  afterAll(() => db.stop());

  test('suspend a tenant: 200, status changed on every key, audited with the IAM caller as actor', async () => {
    const res = await handler(
      event(
        'POST',
        '/tenants/{tenantId}/status',
        { tenantId },
        { status: 'suspended', reason: 'abuse report 42', forSeconds: 3600 },
      ),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toEqual(
      expect.objectContaining({ action: 'status.suspend', actor: `iam:${ARN}` }),
    );
    const show = JSON.parse((await handler(event('GET', '/tenants/{tenantId}', { tenantId }))).body);
    expect(show.tenant.status).toBe('suspended');
    expect(show.tenant.keyHash).toBeUndefined();
    expect(show.audit.map((e: { actor: string }) => e.actor)).toContain(`iam:${ARN}`);
  });

  test('kill switch and model switches through the API, audited under subject region', async () => {
    expect(
      (await handler(event('PUT', '/controls', {}, { mode: 'fail-closed', reason: 'tier-2 outage' })))
        .statusCode,
    ).toBe(200);
    expect(
      (
        await handler(
          event('POST', '/models/{modelId}/disable', { modelId: 'anthropic.m-v1:0' }, { reason: 'recall' }),
        )
      ).statusCode,
    ).toBe(200);
    const controls = JSON.parse((await handler(event('GET', '/controls', {}))).body);
    expect(controls).toEqual(
      expect.objectContaining({
        mode: 'fail-closed',
        disabledModels: ['anthropic.m-v1:0'],
        actor: `iam:${ARN}`,
      }),
    );
    const audit = await operatorContext(db.doc, db.tables, 'x').audit.events('region');
    expect(audit.map((e) => e.actor)).toEqual([`iam:${ARN}`, `iam:${ARN}`]);
  });

  test('tenant overrides: tightening is stored on every key and audited; loosening is refused naming the field', async () => {
    const ok = await handler(
      event(
        'PUT',
        '/tenants/{tenantId}/overrides',
        { tenantId },
        { overrides: { pii: { action: 'block' } }, reason: 'contract requires no PII' },
      ),
    );
    expect(ok.statusCode).toBe(200);
    const show = JSON.parse((await handler(event('GET', '/tenants/{tenantId}', { tenantId }))).body);
    expect(show.tenant.overrides).toEqual({ pii: { action: 'block' } });
    const loose = await handler(
      event(
        'PUT',
        '/tenants/{tenantId}/overrides',
        { tenantId },
        { overrides: { harmful: { threshold: 0.95 } }, reason: 'please' },
      ),
    );
    expect(loose.statusCode).toBe(400);
    expect(JSON.parse(loose.body).error).toEqual({
      field: 'overrides',
      message: expect.stringContaining('harmful.threshold'),
    });
  });

  test('create: the tier is checked against the tier table (did-you-mean), the key is returned once', async () => {
    const bad = await handler(event('POST', '/tenants', {}, { tier: 'enterprize', zone: 'EU' }));
    expect(bad.statusCode).toBe(400);
    expect(JSON.parse(bad.body).error).toEqual({
      field: 'tier',
      message: expect.stringContaining("did you mean 'enterprise'?"),
    });
    const made = await handler(
      event('POST', '/tenants', {}, { tier: 'enterprise', zone: 'EU', tenantId: 'api-made' }),
    );
    expect(made.statusCode).toBe(201);
    expect(JSON.parse(made.body)).toEqual({ tenantId: 'api-made', apiKey: expect.stringMatching(/^csk_/) });
    const dup = await handler(
      event('POST', '/tenants', {}, { tier: 'free', zone: 'EU', tenantId: 'api-made' }),
    );
    expect([dup.statusCode, JSON.parse(dup.body).error.field]).toEqual([409, 'tenantId']);
  });

  test('limits: PUT sets bounded positive integers (errors name the field), DELETE restores the tier; audited', async () => {
    for (const [limits, field] of [
      [{ requests: 0 }, 'limits.requests'],
      [{ inputTokens: 1.5 }, 'limits.inputTokens'],
      [{ outputTokens: 20_000_001 }, 'limits.outputTokens'],
      [{ requests: '5' }, 'limits.requests'],
      [{ rps: 5 }, 'limits'],
      [{}, 'limits'],
    ] as const) {
      const res = await handler(
        event('PUT', '/tenants/{tenantId}/limits', { tenantId }, { limits, reason: 'abc' }),
      );
      expect([res.statusCode, JSON.parse(res.body).error.field]).toEqual([400, field]);
    }
    const ok = await handler(
      event(
        'PUT',
        '/tenants/{tenantId}/limits',
        { tenantId },
        { limits: { requests: 1200 }, reason: 'contract' },
      ),
    );
    expect(ok.statusCode).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ action: 'limits.set', actor: `iam:${ARN}` });
    let show = JSON.parse((await handler(event('GET', '/tenants/{tenantId}', { tenantId }))).body);
    expect(show.tenant.limits).toEqual({ requests: 1200 });
    const cleared = await handler(
      event('DELETE', '/tenants/{tenantId}/limits', { tenantId }, { reason: 'ended' }),
    );
    expect(cleared.statusCode).toBe(200);
    show = JSON.parse((await handler(event('GET', '/tenants/{tenantId}', { tenantId }))).body);
    expect(show.tenant.limits).toBeUndefined();
    const none = await handler(
      event('DELETE', '/tenants/{tenantId}/limits', { tenantId: 'nobody' }, { reason: 'gone' }),
    );
    expect(none.statusCode).toBe(404);
  });

  test('reinstate lifts a suspension with the IAM caller as actor; refuses an active or banned tenant (409)', async () => {
    const ops = operatorContext(db.doc, db.tables, 'setup');
    const t = await createTenant(ops, { tier: 'standard', zone: 'EU', tenantId: 'to-reinstate' });
    const reinstate = () =>
      handler(
        event('POST', '/tenants/{tenantId}/reinstate', { tenantId: t.tenantId }, { reason: 'cleared' }),
      );
    expect((await reinstate()).statusCode).toBe(409);
    await handler(
      event(
        'POST',
        '/tenants/{tenantId}/status',
        { tenantId: t.tenantId },
        { status: 'suspended', reason: 'abc' },
      ),
    );
    const res = await reinstate();
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({
      action: 'status.reinstate',
      actor: `iam:${ARN}`,
      after: { status: 'active' },
    });
    await handler(
      event(
        'POST',
        '/tenants/{tenantId}/status',
        { tenantId: t.tenantId },
        { status: 'banned', reason: 'abc' },
      ),
    );
    const banned = await reinstate();
    expect([banned.statusCode, JSON.parse(banned.body).error.message]).toEqual([
      409,
      expect.stringContaining('unban'),
    ]);
  });

  test('GET /tenants/{tn_…}: resolves a pseudonym with the region key; unknown → 404; no key → 501', async () => {
    const key = Buffer.alloc(32, 7);
    const pseudonymize = localPseudonymizer(key);
    const withKey = makeHandler((actor) =>
      operatorContext(db.doc, db.tables, actor, undefined, { pseudonymize }),
    );
    const pseudonym = await pseudonymize('tenant', tenantId);
    const res = await withKey(event('GET', '/tenants/{tenantId}', { tenantId: pseudonym.toUpperCase() }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).tenant.tenantId).toBe(tenantId);
    const unknown = await withKey(event('GET', '/tenants/{tenantId}', { tenantId: `tn_${'a'.repeat(32)}` }));
    expect(unknown.statusCode).toBe(404);
    const noKey = await handler(event('GET', '/tenants/{tenantId}', { tenantId: pseudonym }));
    expect([noKey.statusCode, JSON.parse(noKey.body).error.field]).toEqual([501, 'tenantId']);
  });

  test('shadow toggles are set through the API and audited', async () => {
    const res = await handler(
      event('PUT', '/controls/shadow', {}, { categories: ['injection'], reason: 'false-positive storm' }),
    );
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).shadowCategories).toEqual(['injection']);
  });

  test.each([
    ['no IAM caller', event('GET', '/controls', {}, undefined, null), 403, '(caller)'],
    ['invalid JSON', event('PUT', '/controls', {}, '{nope'), 400, '(body)'],
    ['unknown mode', event('PUT', '/controls', {}, { mode: 'off', reason: 'why not' }), 400, 'mode'],
    [
      'missing reason',
      event('POST', '/tenants/{tenantId}/status', { tenantId: 't' }, { status: 'banned' }),
      400,
      'reason',
    ],
    [
      'unknown field',
      event(
        'POST',
        '/tenants/{tenantId}/status',
        { tenantId: 't' },
        { status: 'banned', reason: 'abc', x: 1 },
      ),
      400,
      '(root)',
    ],
    [
      'unknown tenant',
      event(
        'POST',
        '/tenants/{tenantId}/status',
        { tenantId: 'nobody' },
        { status: 'banned', reason: 'abc' },
      ),
      404,
      'tenantId',
    ],
    [
      'bad model id',
      event('POST', '/models/{modelId}/disable', { modelId: 'a b' }, { reason: 'abc' }),
      400,
      'modelId',
    ],
    ['unknown route', event('DELETE', '/tenants/{tenantId}', { tenantId: 't' }), 404, '(route)'],
  ])('fails when %s', async (_name, ev, status, field) => {
    const res = await handler(ev);
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body).error.field).toBe(field);
  });
});
