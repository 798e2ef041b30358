/**
 * The operator API Lambda (API Gateway REST, IAM / SigV4 authorization): status changes, the regional kill
 * switch and model switches, each appended to the audit table with the caller's IAM principal as actor.
 * Same actions as `npx safeguards` (lambdas/operator/actions.ts), so the CLI and the API cannot drift.
 *
 *   GET  /controls                          → current kill switch and disabled models
 *   PUT  /controls                {mode, reason}
 *   POST /models/{modelId}/disable {reason}  POST /models/{modelId}/enable {reason}
 *   POST /tenants                 {tier, zone, tenantId?}    → {tenantId, apiKey} (the key is shown once)
 *   GET  /tenants/{tenantId}                → status, key count, audit trail ({tenantId} may be a tn_… pseudonym)
 *   POST /tenants/{tenantId}/status {status, reason, forSeconds?}
 *   POST /tenants/{tenantId}/reinstate {reason}              (lifts a throttle or suspension, forgives strikes)
 *   PUT  /tenants/{tenantId}/limits {limits: {requests?, inputTokens?, outputTokens?}, reason}
 *   DELETE /tenants/{tenantId}/limits {reason}                (back to the tier's defaults)
 *   PUT  /tenants/{tenantId}/overrides {overrides, reason}   (may only tighten the baseline policy)
 *   PUT  /controls/shadow         {categories, reason}       (categories evaluated but not enforced)
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod';
import { KILL_SWITCH_MODES } from '../core/enforcement/controls';
import { TENANT_STATUSES } from '../core/enforcement/types';
import { tenantOverridesSchema } from '../core/engine/overrides';
import { CATEGORIES } from '../core/types';
import { formatIssues } from '../core/util/issues';
import {
  ActionError,
  clearLimits,
  createTenant,
  type OperatorContext,
  OverrideError,
  reinstate,
  setKillSwitch,
  setLimits,
  setModelDisabled,
  setOverrides,
  setShadow,
  setStatus,
  showTenant,
  validateLimits,
} from './actions';
import { contextFor } from './deps';

const reason = z.string().trim().min(3).max(1000);
const statusBody = z.strictObject({
  status: z.enum(TENANT_STATUSES as unknown as ['active', 'throttled', 'suspended', 'banned']),
  reason,
  forSeconds: z
    .number()
    .int()
    .min(1)
    .max(366 * 86_400)
    .optional(),
});
const controlsBody = z.strictObject({ mode: z.enum(KILL_SWITCH_MODES), reason });
const reasonBody = z.strictObject({ reason });
const overridesBody = z.strictObject({ overrides: tenantOverridesSchema, reason });
const shadowBody = z.strictObject({ categories: z.array(z.enum(CATEGORIES)).max(CATEGORIES.length), reason });
const limitsBody = z.strictObject({ limits: z.record(z.string(), z.unknown()), reason });
const createBody = z.strictObject({
  tier: z.string().min(1).max(64),
  zone: z.string().min(1).max(32),
  tenantId: z.string().min(1).max(128).optional(),
});
const idParam = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9._:/@-]+$/);

/** A JSON response; errors never echo the request. */
const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const error = (statusCode: number, field: string, message: string) =>
  json(statusCode, { error: { field, message } });

/** The verified IAM caller (API Gateway fills it for AWS_IAM methods); never a client header. */
export function callerOf(event: Pick<APIGatewayProxyEvent, 'requestContext'>): string | undefined {
  const arn = event.requestContext?.identity?.userArn;
  return arn ? `iam:${arn}` : undefined;
}

function parseBody<T>(
  schema: z.ZodType<T>,
  body: string | null,
): { ok: true; value: T } | { ok: false; res: APIGatewayProxyResult } {
  let value: unknown;
  try {
    value = JSON.parse(body ?? '');
  } catch {
    return { ok: false, res: error(400, '(body)', 'expected a JSON object') };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const first = formatIssues(parsed.error.issues)[0] ?? 'invalid';
    const [field = '(body)', ...rest] = first.split(': ');
    return { ok: false, res: error(400, field, rest.join(': ')) };
  }
  return { ok: true, value: parsed.data };
}

/** The handler over an operator context built for the caller. */
export function makeHandler(contextFor: (actor: string) => OperatorContext, now: () => number = Date.now) {
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    const actor = callerOf(event);
    if (!actor) return error(403, '(caller)', 'IAM-authenticated caller required');
    const ctx = contextFor(actor);
    const method = event.httpMethod;
    const resource = event.resource;
    const params = event.pathParameters ?? {};
    try {
      if (resource === '/controls' && method === 'GET') return json(200, await ctx.controls.read());
      if (resource === '/controls' && method === 'PUT') {
        const b = parseBody(controlsBody, event.body);
        if (!b.ok) return b.res;
        return json(200, await setKillSwitch(ctx, b.value.mode, b.value.reason));
      }
      if (resource === '/controls/shadow' && method === 'PUT') {
        const b = parseBody(shadowBody, event.body);
        if (!b.ok) return b.res;
        return json(200, await setShadow(ctx, b.value.categories, b.value.reason));
      }
      if (resource === '/tenants/{tenantId}/overrides' && method === 'PUT') {
        const id = idParam.safeParse(params['tenantId']);
        if (!id.success) return error(400, 'tenantId', 'expected a tenant id');
        const b = parseBody(overridesBody, event.body);
        if (!b.ok) return b.res;
        try {
          return json(200, await setOverrides(ctx, id.data, b.value.overrides, b.value.reason));
        } catch (e) {
          if (e instanceof OverrideError) return error(400, 'overrides', e.message);
          throw e;
        }
      }
      if (resource === '/models/{modelId}/disable' || resource === '/models/{modelId}/enable') {
        const id = idParam.safeParse(params['modelId']);
        if (!id.success) return error(400, 'modelId', 'expected a model id');
        const b = parseBody(reasonBody, event.body);
        if (!b.ok) return b.res;
        return json(200, await setModelDisabled(ctx, id.data, resource.endsWith('/disable'), b.value.reason));
      }
      if (resource === '/tenants' && method === 'POST') {
        const b = parseBody(createBody, event.body);
        if (!b.ok) return b.res;
        const { tier, zone, tenantId } = b.value;
        return json(201, await createTenant(ctx, { tier, zone, ...(tenantId ? { tenantId } : {}) }));
      }
      if (resource === '/tenants/{tenantId}' && method === 'GET') {
        const id = idParam.safeParse(params['tenantId']);
        if (!id.success) return error(400, 'tenantId', 'expected a tenant id or a tn_ pseudonym');
        return json(200, await showTenant(ctx, id.data));
      }
      if (resource === '/tenants/{tenantId}/reinstate' && method === 'POST') {
        const id = idParam.safeParse(params['tenantId']);
        if (!id.success) return error(400, 'tenantId', 'expected a tenant id');
        const b = parseBody(reasonBody, event.body);
        if (!b.ok) return b.res;
        return json(200, await reinstate(ctx, id.data, b.value.reason));
      }
      if (resource === '/tenants/{tenantId}/limits' && (method === 'PUT' || method === 'DELETE')) {
        const id = idParam.safeParse(params['tenantId']);
        if (!id.success) return error(400, 'tenantId', 'expected a tenant id');
        if (method === 'DELETE') {
          const b = parseBody(reasonBody, event.body);
          if (!b.ok) return b.res;
          return json(200, await clearLimits(ctx, id.data, b.value.reason));
        }
        const b = parseBody(limitsBody, event.body);
        if (!b.ok) return b.res;
        let limits: ReturnType<typeof validateLimits>;
        try {
          limits = validateLimits(b.value.limits);
        } catch (e) {
          // Name the field as it is in the body.
          if (e instanceof ActionError)
            return error(400, `limits.${e.field}`.replace(/\.limits$/, ''), e.message);
          throw e;
        }
        return json(200, await setLimits(ctx, id.data, limits, b.value.reason));
      }
      if (resource === '/tenants/{tenantId}/status' && method === 'POST') {
        const id = idParam.safeParse(params['tenantId']);
        if (!id.success) return error(400, 'tenantId', 'expected a tenant id');
        const b = parseBody(statusBody, event.body);
        if (!b.ok) return b.res;
        const forMs = b.value.forSeconds === undefined ? undefined : b.value.forSeconds * 1000;
        return json(200, await setStatus(ctx, id.data, b.value.status, b.value.reason, forMs, now));
      }
      return error(404, '(route)', 'unknown operator route');
    } catch (e) {
      if (e instanceof ActionError) return error(e.status, e.field, e.message);
      const message = e instanceof Error ? e.message : '';
      if (/^no tenant '/.test(message)) return error(404, 'tenantId', 'no such tenant');
      return error(
        500,
        '(server)',
        'operator action failed; nothing was changed or the audit shows what was',
      );
    }
  };
}

/** The Lambda entry point; clients built once at init from the environment (./deps). */
export const handler = makeHandler(contextFor);
