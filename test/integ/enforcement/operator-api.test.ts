import '../../unit/operator/env';
import type { APIGatewayProxyEvent } from 'aws-lambda';
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
