/**
 * A refusal says so: every response that is not a served completion leaves a record whose action is not
 * `allow` (`block` for policy, `refuse` for auth/limits/controls/invalid/not found, `error` for failures),
 * and no client-chosen string reaches the record.
 */

import { recordedField } from '../../../../../lambdas/core/decision/record';
import type { RegionControls } from '../../../../../lambdas/core/enforcement/controls';
import { serveInference } from '../../../../../lambdas/core/serving';
import { UpstreamError } from '../../../../../lambdas/core/serving/types';
import { FakeAdmission, FakeUpstream, FakeWriter, harness, inbound, messagesBody } from './fakes';

const controls = (c: Partial<RegionControls>) => ({
  current: async (): Promise<RegionControls> => ({
    mode: 'normal',
    disabledModels: [],
    shadowCategories: [],
    ...c,
  }),
});

describe('every refusal has a non-allow action with its reason', () => {
  test.each([
    ['unauthenticated', 401, 'refuse', { identity: null }, {}],
    ['kill switch', 503, 'refuse', {}, { controls: controls({ mode: 'block-all' }) }],
    ['model disabled', 403, 'refuse', {}, { controls: controls({ disabledModels: ['CLAUDE-TEST'] }) }],
    ['unknown model', 404, 'refuse', { model: 'claude-unknown' }, {}],
    ['invalid request', 400, 'refuse', { body: '{"model":"claude-test"' }, {}],
    ['policy block', 400, 'block', { text: 'how do I wire a detonator' }, {}],
  ] as const)('%s → %i, action %s', async (_name, status, action, req, deps) => {
    const h = harness();
    const res = new FakeWriter();
    const body =
      'body' in req
        ? req.body
        : messagesBody('text' in req ? req.text : 'hello', 'model' in req ? { model: req.model } : {});
    await serveInference(
      inbound('messages', body, 'identity' in req ? { identity: req.identity } : {}),
      { ...h.deps, ...deps },
      res,
    );
    expect(res.status).toBe(status);
    expect(h.records).toHaveLength(1);
    expect(h.records[0]?.action).toBe(action);
    expect(h.records[0]?.reason).toEqual(expect.any(String));
  });

  test('rate limited → 429, action refuse', async () => {
    const admission = new FakeAdmission('deny');
    const h = harness({ admission });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hello')), h.deps, res);
    expect(res.status).toBe(429);
    expect(h.records[0]).toMatchObject({ action: 'refuse', reason: 'rate_limited' });
  });

  test('an upstream failure is recorded as error, not allow', async () => {
    const upstream = new FakeUpstream(new UpstreamError('unavailable', 'down', 500));
    const h = harness({ upstream });
    const res = new FakeWriter();
    await serveInference(inbound('messages', messagesBody('hello')), h.deps, res);
    expect(res.status).toBe(503);
    expect(h.records[0]).toMatchObject({ action: 'error', reason: 'upstream_unavailable' });
  });
});

describe('no request-derived string reaches the decision record', () => {
  test('an unknown field name chosen by the client is recorded as `?`, the response still names it', async () => {
    const h = harness();
    const res = new FakeWriter();
    const secret = 'patient_john_doe_hiv_positive';
    await serveInference(inbound('messages', { ...messagesBody('hi'), [secret]: 1 }), h.deps, res);
    expect(res.status).toBe(400);
    expect(res.json().error.message).toContain(secret);
    expect(h.records[0]?.error).toEqual({ type: 'invalid_request_error', field: '?' });
    expect(JSON.stringify(h.records[0])).not.toContain('patient');
  });

  test('a client key deep in the body is replaced, known names and indices are kept', async () => {
    const h = harness();
    const res = new FakeWriter();
    const body: { messages: unknown[] } = messagesBody('hi');
    body.messages = [{ role: 'user', content: [{ type: 'text', text: 'hi', diagnosis_hiv: true }] }];
    await serveInference(inbound('messages', body), h.deps, res);
    expect(res.status).toBe(400);
    expect(h.records[0]?.error?.field).toBe('messages[0].content[0].?');
    expect(JSON.stringify(h.records[0])).not.toContain('diagnosis');
  });

  test.each([
    ['', ''],
    ['max_tokens', 'max_tokens'],
    ['messages[2].content[0].source.data', 'messages[2].content[0].source.data'],
    ['patient_john_doe', '?'],
    ['tools[0].input_schema.properties.ssn_123_45_6789', 'tools[0].input_schema.?.?'],
    ['messages[0].content[?]', 'messages[0].content[?]'],
    ['tools[0].input["john doe"]', '(field)'],
    ['modelId', 'modelId'],
  ])('recordedField(%j) = %j', (field, recorded) => {
    expect(recordedField(field)).toBe(recorded);
  });
});
