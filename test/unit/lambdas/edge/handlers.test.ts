import type { CloudFrontRequest, CloudFrontResultResponse } from 'aws-lambda';
import { ASSERTION_HEADER, verifyAssertion } from '../../../../lambdas/core/edge/assertion';
import { makeOriginRequestHandler } from '../../../../lambdas/edge/origin-request';
import { makeViewerRequestHandler } from '../../../../lambdas/edge/viewer-request';
import { claimKeyFor, cloudFrontEvent, originPair, PLAIN_KEY, SETTINGS, strangerPair } from './fixtures';

const NOW = 1_800_000_000_000;

function setup() {
  const lines: { requestId: string; outcome: string }[] = [];
  const log = (l: { requestId: string; outcome: string }) => void lines.push(l);
  const viewer = makeViewerRequestHandler(SETTINGS, log);
  const origin = makeOriginRequestHandler(SETTINGS, {
    originKey: async () => originPair.privateKey,
    now: () => NOW,
    log,
  });
  return { viewer, origin, lines };
}

const isResponse = (r: unknown): r is CloudFrontResultResponse =>
  typeof r === 'object' && r !== null && 'status' in r && !('uri' in r);

function body(r: CloudFrontResultResponse): {
  type?: string;
  error?: { type: string; message: string };
  message?: string;
} {
  return JSON.parse(r.body ?? '{}');
}

const header = (r: CloudFrontResultResponse, name: string) => r.headers?.[name]?.[0]?.value;

describe('viewer-request: content-free refusals', () => {
  const euKey = claimKeyFor('eu-west-1');
  it.each([
    ['a GET', { method: 'GET', headers: { 'x-api-key': euKey } }, 405, 'invalid_request_error'],
    ['an unknown path', { uri: '/v1/complete', headers: { 'x-api-key': euKey } }, 404, 'not_found_error'],
    [
      'a path traversal',
      { uri: '/v1/messages/../admin', headers: { 'x-api-key': euKey } },
      404,
      'not_found_error',
    ],
    [
      'a query other than beta=true',
      { querystring: 'debug=1', headers: { 'x-api-key': euKey } },
      400,
      'invalid_request_error',
    ],
    [
      'no content-length',
      { headers: { 'x-api-key': euKey, 'content-length': [] } },
      411,
      'invalid_request_error',
    ],
    [
      'two content-lengths',
      { headers: { 'x-api-key': euKey, 'content-length': ['1', '2'] } },
      411,
      'invalid_request_error',
    ],
    [
      'a body over the limit',
      { headers: { 'x-api-key': euKey, 'content-length': String(7 * 1024 * 1024) } },
      413,
      'request_too_large',
    ],
    [
      'oversized headers',
      { headers: { 'x-api-key': euKey, 'x-pad': 'a'.repeat(17_000) } },
      431,
      'invalid_request_error',
    ],
    ['no credential', {}, 401, 'authentication_error'],
    ['a malformed key', { headers: { 'x-api-key': 'sk-ant-nope' } }, 401, 'authentication_error'],
    [
      'two different keys',
      { headers: { 'x-api-key': euKey, authorization: `Bearer ${claimKeyFor('us-east-1')}` } },
      401,
      'authentication_error',
    ],
    ['a plain key without claim', { headers: { 'x-api-key': PLAIN_KEY } }, 401, 'authentication_error'],
    [
      'a forged zone claim',
      { headers: { 'x-api-key': euKey.replace('.eu-west-1.', '.us-east-1.') } },
      401,
      'authentication_error',
    ],
    [
      'a claim signed by a stranger',
      { headers: { 'x-api-key': claimKeyFor('eu-west-1', strangerPair.privateKey) } },
      401,
      'authentication_error',
    ],
    [
      'a region the edge does not front',
      { headers: { 'x-api-key': claimKeyFor('ap-southeast-2') } },
      403,
      'permission_error',
    ],
  ])(
    'refuses %s with %i in the Anthropic error shape, with a request-id',
    async (_label, over, status, type) => {
      const { viewer, lines } = setup();
      const result = await viewer(cloudFrontEvent(over as Parameters<typeof cloudFrontEvent>[0]));
      expect(isResponse(result)).toBe(true);
      const r = result as CloudFrontResultResponse;
      expect(r.status).toBe(String(status));
      const b = body(r);
      expect(b.type).toBe('error');
      expect(b.error?.type).toBe(type);
      const id = header(r, 'request-id');
      expect(id).toMatch(/^edge_[A-Za-z0-9_-]+$/);
      expect(JSON.parse(r.body ?? '{}').request_id).toBe(id);
      // One log line: the request id and a reason code — nothing from the request.
      expect(lines).toHaveLength(1);
      expect(Object.keys(lines[0] ?? {}).sort()).toEqual(['outcome', 'requestId']);
      expect(JSON.stringify(lines)).not.toMatch(/csk_|203\.0\.113|api\.example\.com/);
    },
  );

  it('answers 405 with Allow: POST', async () => {
    const { viewer } = setup();
    const r = (await viewer(
      cloudFrontEvent({ method: 'PUT', headers: { 'x-api-key': euKey } }),
    )) as CloudFrontResultResponse;
    expect(header(r, 'allow')).toBe('POST');
  });

  it('refuses on the Bedrock routes in the Bedrock shape', async () => {
    const { viewer } = setup();
    const r = (await viewer(
      cloudFrontEvent({
        uri: '/model/anthropic.claude-x/invoke',
        headers: { authorization: `Bearer ${PLAIN_KEY}` },
      }),
    )) as CloudFrontResultResponse;
    expect(r.status).toBe('401');
    expect(header(r, 'x-amzn-errortype')).toBe('AccessDeniedException');
    expect(body(r).message).toMatch(/regional endpoint/);
  });

  it('passes a good request on unchanged but for the edge-owned headers a client tried to set', async () => {
    const { viewer, lines } = setup();
    const event = cloudFrontEvent({
      querystring: 'beta=true',
      headers: {
        'x-api-key': euKey,
        [ASSERTION_HEADER]: '1800000000000.forged',
        'x-csp-home-region': 'us-east-1',
      },
    });
    const result = (await viewer(event)) as CloudFrontRequest;
    expect(isResponse(result)).toBe(false);
    expect(result.uri).toBe('/v1/messages');
    expect(result.headers[ASSERTION_HEADER]).toBeUndefined();
    expect(result.headers['x-csp-home-region']).toBeUndefined();
    expect(result.body).toBeUndefined();
    expect(lines).toHaveLength(0);
  });
});

describe('origin-request: home-region routing', () => {
  it.each([
    ['eu-west-1', 'eu-west-1.origin.api.example.com'],
    ['eu-central-1', 'eu-central-1.origin.api.example.com'],
    ['us-east-1', 'us-east-1.origin.api.example.com'],
  ])('sends a tenant of %s to its own regional origin only', async (region, domain) => {
    const { origin } = setup();
    const key = claimKeyFor(region);
    const result = (await origin(
      cloudFrontEvent({ eventType: 'origin-request', headers: { 'x-api-key': key } }),
    )) as CloudFrontRequest;
    expect(result.origin?.custom?.domainName).toBe(domain);
    expect(result.origin?.custom?.protocol).toBe('https');
    expect(result.headers['host']?.[0]?.value).toBe(domain);
    const assertion = result.headers[ASSERTION_HEADER]?.[0]?.value;
    expect(
      verifyAssertion(
        assertion,
        { region, method: 'POST', path: '/v1/messages', apiKey: key },
        [originPair.publicKey],
        NOW,
      ),
    ).toEqual({ ok: true });
    // The assertion is for this region only: it cannot be replayed against another zone's API.
    const elsewhere = region === 'us-east-1' ? 'eu-west-1' : 'us-east-1';
    expect(
      verifyAssertion(
        assertion,
        { region: elsewhere, method: 'POST', path: '/v1/messages', apiKey: key },
        [originPair.publicKey],
        NOW,
      ).ok,
    ).toBe(false);
  });

  it('every zone reaches only origins of that zone', async () => {
    const { origin } = setup();
    const reached: Record<string, Set<string>> = {};
    for (const [region, o] of Object.entries(SETTINGS.origins)) {
      const r = (await origin(
        cloudFrontEvent({ eventType: 'origin-request', headers: { 'x-api-key': claimKeyFor(region) } }),
      )) as CloudFrontRequest;
      const domain = r.origin?.custom?.domainName ?? '';
      const target = Object.entries(SETTINGS.origins).find(([, v]) => v.domainName === domain);
      const set = reached[o.zone] ?? new Set<string>();
      set.add(target?.[1].zone ?? 'none');
      reached[o.zone] = set;
    }
    expect(Object.fromEntries(Object.entries(reached).map(([z, s]) => [z, [...s]]))).toEqual({
      EU: ['EU'],
      US: ['US'],
    });
  });

  it('re-checks the claim itself: a forged claim never gets an origin', async () => {
    const { origin } = setup();
    const forged = claimKeyFor('eu-west-1').replace('.eu-west-1.', '.us-east-1.');
    const r = await origin(
      cloudFrontEvent({ eventType: 'origin-request', headers: { 'x-api-key': forged } }),
    );
    expect(isResponse(r)).toBe(true);
    expect((r as CloudFrontResultResponse).status).toBe('401');
  });

  it('drops a client-supplied assertion and signs its own', async () => {
    const { origin } = setup();
    const r = (await origin(
      cloudFrontEvent({
        eventType: 'origin-request',
        headers: { 'x-api-key': claimKeyFor('eu-west-1'), [ASSERTION_HEADER]: '1.forged' },
      }),
    )) as CloudFrontRequest;
    expect(r.headers[ASSERTION_HEADER]).toHaveLength(1);
    expect(r.headers[ASSERTION_HEADER]?.[0]?.value).not.toBe('1.forged');
  });

  it('fails closed with a clear 503 when the signing key cannot be read (no fallback origin)', async () => {
    const lines: { requestId: string; outcome: string }[] = [];
    const origin = makeOriginRequestHandler(SETTINGS, {
      originKey: async () => {
        throw new Error('AccessDenied');
      },
      now: () => NOW,
      log: (l) => void lines.push(l),
    });
    const r = (await origin(
      cloudFrontEvent({ eventType: 'origin-request', headers: { 'x-api-key': claimKeyFor('eu-west-1') } }),
    )) as CloudFrontResultResponse;
    expect(r.status).toBe('503');
    expect(header(r, 'retry-after')).toBe('5');
    expect(body(r).error?.type).toBe('overloaded_error');
    expect(lines.map((l) => l.outcome)).toEqual(['edge_unavailable']);
  });
});
