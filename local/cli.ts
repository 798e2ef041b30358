import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { EnforcementTableNames } from '../lambdas/adapters/dynamo/client';
import { type DecisionRecord, RECORD_ACTIONS } from '../lambdas/core/decision/record';
import type { TenantStatus } from '../lambdas/core/enforcement/types';
import type { TenantOverrides } from '../lambdas/core/engine/overrides';
import { type Action, CATEGORIES, type Category } from '../lambdas/core/types';
import {
  addKey,
  createTenant,
  type OperatorContext,
  OverrideError,
  operatorContext,
  parseDuration,
  setKillSwitch,
  setModelDisabled,
  setOverrides,
  setShadow,
  setStatus,
} from '../lambdas/operator/actions';
import { fetchDecisionRecords } from '../lambdas/operator/decisions-aws';
import { localClients } from './dynalite';
import { buildIncident, renderIncident, selectWindow } from './incident';
import { readRuntimeInfo } from './runtime-file';
import { readDecisionRecords } from './telemetry-sink';

// The local tools run on the machine's Node (20 here); the Lambda functions run on Node 22. The AWS SDK's
// notice about Node 20 support is for the SDK's own roadmap, not for this demo: keep it out of the output.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

const HELP = `usage: npx safeguards <command> [options]

tenants
  tenant create [--tier standard] [--zone LOCAL] [--id <tenantId>]   create a tenant; prints its API key once
  tenant list                                                        tenants with status and key count
  tenant show <tenantId>                                             status, keys and audit trail
  tenant suspend <tenantId> --reason <text> [--for 24h]
  tenant throttle <tenantId> --reason <text> [--for 1h]
  tenant ban <tenantId> --reason <text>
  tenant unban <tenantId> --reason <text>                            back to active
  key add <tenantId>                                                 another API key for a tenant
  tenant tighten <tenantId> --category <c> [--threshold 0.3] [--action block] --reason <text>
                                                                     per-tenant override (may only tighten the policy)
  tenant overrides-clear <tenantId> --reason <text>
  shadow set <category,…> --reason <text> | shadow clear --reason <text>
                                                                     evaluate and record, do not enforce (this region)
kill switch (regional; reaches every serving instance within the 2 s controls cache)
  killswitch show
  killswitch set fail-closed|block-all --reason <text>               fail-closed: every failing check blocks; block-all: refuse all
  killswitch clear --reason <text>                                   back to normal
  model disable <modelId> --reason <text>                            refuse requests for a model in this region
  model enable <modelId> --reason <text>
observability (local)
  decisions [--last 20] [--action allow|flag|redact|block|refuse|error]  recent decision records
  incident --decision-id <id> [--around 10m] | --since <ISO time|30m>   (--region: the region's proxy log group
                                                                     via Logs Insights; SAFEGUARDS_PROXY_LOG_GROUP)
                                                                     decision records + audit entries of a window,
                                                                     as a Markdown timeline for docs/postmortem-template.md
options
  --region <r>      act on AWS in that region (tables from SAFEGUARDS_*_TABLE env vars)
  --data-dir <dir>  where the local gateway keeps its state (default .local)
  --actor <name>    audit actor (default operator:<os user>)
  --json            machine-readable output
`;

interface Options {
  region?: string;
  'data-dir': string;
  actor?: string;
  json: boolean;
  tier: string;
  zone: string;
  id?: string;
  reason?: string;
  for?: string;
  last: string;
  action?: string;
  'decision-id'?: string;
  since?: string;
  around?: string;
  category?: string;
  threshold?: string;
  help: boolean;
}

function fail(message: string): never {
  process.stderr.write(`safeguards: ${message}\n`);
  process.exit(2);
}

function awsTables(): EnforcementTableNames {
  const get = (name: string) =>
    process.env[name] ?? fail(`--region needs ${name} (the table's physical name from the stack)`);
  return {
    tenants: get('SAFEGUARDS_TENANTS_TABLE'),
    limits: get('SAFEGUARDS_LIMITS_TABLE'),
    violations: get('SAFEGUARDS_VIOLATIONS_TABLE'),
    audit: get('SAFEGUARDS_AUDIT_TABLE'),
  };
}

function connect(o: Options): { ctx: OperatorContext; close: () => void } {
  const actor = o.actor ?? `operator:${userInfo().username}`;
  if (o.region) {
    const raw = new DynamoDBClient({ region: o.region });
    const doc = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    return { ctx: operatorContext(doc, awsTables(), actor), close: () => raw.destroy() };
  }
  const info = readRuntimeInfo(o['data-dir']);
  const { raw, doc } = localClients(info.dynamoEndpoint);
  return { ctx: operatorContext(doc, info.tables, actor), close: () => raw.destroy() };
}

function print(o: Options, value: unknown, text: string): void {
  process.stdout.write(o.json ? `${JSON.stringify(value, null, 2)}\n` : `${text}\n`);
}

const STATUS_COMMANDS: Record<string, TenantStatus> = {
  suspend: 'suspended',
  throttle: 'throttled',
  ban: 'banned',
  unban: 'active',
};

async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      'data-dir': { type: 'string', default: '.local' },
      actor: { type: 'string' },
      json: { type: 'boolean', default: false },
      tier: { type: 'string', default: 'standard' },
      zone: { type: 'string', default: 'LOCAL' },
      id: { type: 'string' },
      reason: { type: 'string' },
      for: { type: 'string' },
      last: { type: 'string', default: '20' },
      action: { type: 'string' },
      'decision-id': { type: 'string' },
      since: { type: 'string' },
      around: { type: 'string' },
      category: { type: 'string' },
      threshold: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const o = values as Options;
  const [group, verb, target] = positionals;
  if (o.help || !group) {
    process.stdout.write(HELP);
    return;
  }

  if (group === 'decisions') {
    if (o.region)
      fail('decisions reads local telemetry; in AWS use the Logs Insights queries in docs/runbooks');
    if (o.action !== undefined && !(RECORD_ACTIONS as readonly string[]).includes(o.action))
      fail(`--action must be one of ${RECORD_ACTIONS.join(', ')}, got '${o.action}'`);
    const info = readRuntimeInfo(o['data-dir']);
    const n = Number(o.last);
    if (!Number.isInteger(n) || n < 1) fail('--last must be a positive integer');
    const records = readDecisionRecords(info.telemetryPath)
      .filter((r) => !o.action || r.action === o.action)
      .slice(-n);
    print(
      o,
      records,
      records
        .map(
          (r) =>
            `${r.timestamp}  ${r.decisionId}  ${r.route.padEnd(22)} ${String(r.status).padEnd(4)} ${r.action.padEnd(6)} ${r.reason ?? ''}  tenant=${r.tenant ?? '-'}  added=${r.latencyMs.added}ms`,
        )
        .join('\n') || '(no decisions)',
    );
    return;
  }

  if (group === 'incident') {
    const since =
      o.since === undefined
        ? undefined
        : /^[0-9]+[smhd]$/.test(o.since)
          ? Date.now() - parseDuration(o.since)
          : Date.parse(o.since);
    if (since !== undefined && Number.isNaN(since))
      fail(`--since: expected an ISO time or a duration like 30m, got '${o.since}'`);
    let records: DecisionRecord[];
    if (o.region) {
      // In AWS: the region's proxy log group, queried in that region with the operator's credentials.
      const logGroupName =
        process.env['SAFEGUARDS_PROXY_LOG_GROUP'] ??
        fail('--region needs SAFEGUARDS_PROXY_LOG_GROUP (the stack output ProxyLogGroupName)');
      const around = o.around ? parseDuration(o.around) : 600_000;
      const to = Date.now();
      const from = since ?? to - 7 * 86_400_000;
      const logs = new CloudWatchLogsClient({ region: o.region });
      try {
        const hit = o['decision-id']
          ? await fetchDecisionRecords(logs, { logGroupName, from, to, decisionId: o['decision-id'] })
          : [];
        const at = hit[0] ? Date.parse(hit[0].timestamp) : undefined;
        records = await fetchDecisionRecords(logs, {
          logGroupName,
          from: at !== undefined ? at - around : from,
          to: at !== undefined ? at + around : to,
        });
      } finally {
        logs.destroy();
      }
    } else {
      records = readDecisionRecords(readRuntimeInfo(o['data-dir']).telemetryPath);
    }
    const window = selectWindow(records, {
      ...(o['decision-id'] ? { decisionId: o['decision-id'] } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(o.around ? { aroundMs: parseDuration(o.around) } : {}),
    });
    const { ctx, close } = connect(o);
    try {
      const tenants = await ctx.tenants.listTenants();
      const audit = (
        await Promise.all([ctx.audit.events('region'), ...tenants.map((t) => ctx.audit.events(t.tenantId))])
      ).flat();
      const incident = buildIncident(window, audit);
      print(o, incident, renderIncident(incident));
    } finally {
      close();
    }
    return;
  }

  const { ctx, close } = connect(o);
  try {
    if (group === 'tenant' && verb === 'create') {
      const out = await createTenant(ctx, {
        tier: o.tier,
        zone: o.zone,
        ...(o.id ? { tenantId: o.id } : {}),
      });
      print(o, out, `tenant ${out.tenantId}\napi key ${out.apiKey}   (shown once; only its hash is stored)`);
    } else if (group === 'tenant' && verb === 'list') {
      const list = await ctx.tenants.listTenants();
      print(
        o,
        list,
        list
          .map(
            (t) =>
              `${t.tenantId}  ${t.status.padEnd(9)} tier=${t.tier} zone=${t.zone} keys=${t.keys}${t.reason ? `  (${t.reason})` : ''}`,
          )
          .join('\n') || '(no tenants)',
      );
    } else if (group === 'tenant' && verb === 'show') {
      if (!target) fail('tenant show needs a tenant id');
      const keys = await ctx.tenants.keysOf(target);
      if (keys.length === 0) fail(`no tenant '${target}'`);
      const events = await ctx.audit.events(target);
      const t = keys[0]!;
      print(
        o,
        { tenant: { ...t, keyHash: undefined }, keys: keys.length, audit: events },
        [
          `${t.tenantId}  ${t.status}  tier=${t.tier} zone=${t.zone} keys=${keys.length}`,
          ...events.map(
            (e) => `  ${new Date(e.at).toISOString()}  ${e.action.padEnd(18)} by ${e.actor}: ${e.reason}`,
          ),
        ].join('\n'),
      );
    } else if (group === 'tenant' && verb && verb in STATUS_COMMANDS) {
      if (!target) fail(`tenant ${verb} needs a tenant id`);
      if (!o.reason) fail(`tenant ${verb} needs --reason (it goes to the audit log)`);
      const forMs = o.for ? parseDuration(o.for) : undefined;
      const event = await setStatus(ctx, target, STATUS_COMMANDS[verb]!, o.reason, forMs);
      print(
        o,
        event,
        `${event.action} ${target}: ${event.before?.status} → ${event.after?.status} (audit ${event.eventId})`,
      );
    } else if (group === 'killswitch' && verb === 'show') {
      const c = await ctx.controls.read();
      print(
        o,
        c,
        `mode ${c.mode}; disabled models: ${c.disabledModels.join(', ') || '(none)'}${c.actor ? `; last set by ${c.actor}: ${c.reason ?? ''}` : ''}`,
      );
    } else if (group === 'killswitch' && (verb === 'set' || verb === 'clear')) {
      const mode = verb === 'clear' ? 'normal' : target;
      if (mode !== 'normal' && mode !== 'fail-closed' && mode !== 'block-all')
        fail('killswitch set needs fail-closed or block-all');
      if (!o.reason) fail(`killswitch ${verb} needs --reason (it goes to the audit log)`);
      const c = await setKillSwitch(ctx, mode, o.reason);
      print(o, c, `kill switch: ${c.mode} (reaches every instance within the 2 s controls cache)`);
    } else if (group === 'model' && (verb === 'disable' || verb === 'enable')) {
      if (!target) fail(`model ${verb} needs a model id`);
      if (!o.reason) fail(`model ${verb} needs --reason (it goes to the audit log)`);
      const c = await setModelDisabled(ctx, target, verb === 'disable', o.reason);
      print(o, c, `disabled models: ${c.disabledModels.join(', ') || '(none)'}`);
    } else if (group === 'tenant' && (verb === 'tighten' || verb === 'overrides-clear')) {
      if (!target) fail(`tenant ${verb} needs a tenant id`);
      if (!o.reason) fail(`tenant ${verb} needs --reason (it goes to the audit log)`);
      const current = (await ctx.tenants.keysOf(target))[0]?.overrides ?? {};
      let next: TenantOverrides = {};
      if (verb === 'tighten') {
        const category = o.category as Category | undefined;
        if (!category || !(CATEGORIES as readonly string[]).includes(category))
          fail(`--category must be one of ${CATEGORIES.join(', ')}`);
        const threshold = o.threshold === undefined ? undefined : Number(o.threshold);
        if (threshold !== undefined && !(threshold >= 0 && threshold <= 1))
          fail('--threshold must be a number in [0, 1]');
        const action = o.action as Action | undefined;
        if (action && !['allow', 'flag', 'redact', 'block'].includes(action))
          fail('--action must be allow, flag, redact or block');
        next = {
          ...current,
          [category]: {
            ...current[category],
            ...(threshold !== undefined ? { threshold } : {}),
            ...(action ? { action } : {}),
          },
        };
      }
      try {
        const event = await setOverrides(ctx, target, next, o.reason);
        print(o, event, `overrides of ${target}: ${JSON.stringify(next)} (audit ${event.eventId})`);
      } catch (e) {
        if (e instanceof OverrideError) fail(`refused: ${e.message}`);
        throw e;
      }
    } else if (group === 'shadow' && (verb === 'set' || verb === 'clear')) {
      if (!o.reason) fail(`shadow ${verb} needs --reason (it goes to the audit log)`);
      const cats = verb === 'clear' ? [] : (target ?? '').split(',').filter(Boolean);
      const bad = cats.filter((c) => !(CATEGORIES as readonly string[]).includes(c));
      if (verb === 'set' && (cats.length === 0 || bad.length > 0))
        fail(`shadow set needs categories among ${CATEGORIES.join(', ')}`);
      const c = await setShadow(ctx, cats as Category[], o.reason);
      print(o, c, `shadow categories: ${c.shadowCategories.join(', ') || '(none)'}`);
    } else if (group === 'key' && verb === 'add') {
      if (!target) fail('key add needs a tenant id');
      const out = await addKey(ctx, target);
      print(o, out, `api key ${out.apiKey}   (shown once)`);
    } else {
      fail(`unknown command '${positionals.join(' ')}' (see --help)`);
    }
  } finally {
    close();
  }
}

run(process.argv.slice(2)).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
