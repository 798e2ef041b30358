/** Renders a {@link ResidencyReport} as markdown for a compliance reviewer. */

import type { ResidencyReport } from './report';
import type { ResidencyFinding } from './residency-rules';

/** Escapes a value for a markdown table cell. */
function cell(value: unknown): string {
  const text =
    value === null || value === undefined
      ? '–'
      : typeof value === 'boolean'
        ? value
          ? 'yes'
          : 'NO'
        : String(value);
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly unknown[])[]): string[] {
  if (rows.length === 0) return ['_none_', ''];
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    '',
  ];
}

function findingsTable(findings: readonly ResidencyFinding[]): string[] {
  return table(
    ['resource', 'rule', 'region', 'where', 'value', 'reason'],
    findings.map((f) => [
      f.logicalId,
      f.rule,
      f.region,
      f.path,
      f.value.length > 120 ? `${f.value.slice(0, 117)}...` : f.value,
      f.message,
    ]),
  );
}

/** "Regions that may process prompts": computed from the stack's model-invocation grants. */
function promptProcessingSection(report: ResidencyReport): string[] {
  const p = report.promptProcessing;
  const hosts =
    p.externalHosts.length > 0 ? ` HTTPS upstream outside AWS IAM: ${p.externalHosts.join(', ')}.` : '';
  return [
    '## Regions that may process prompts',
    '',
    `**${p.regions.join(', ')}**.${hosts} Computed from the synthesized policies: every region where a role of`,
    'this stack may invoke a model (Bedrock foundation model or inference profile, SageMaker endpoint), plus the',
    "stack's own region (the Lambda functions). Bedrock refuses to route an inference profile to a region whose",
    'foundation model is not granted.',
    '',
    ...table(
      ['region', 'via', 'principal', 'conditional'],
      p.processors.map((x) => [x.region, x.via, x.principal, x.conditional]),
    ),
  ];
}

/** The markdown report: summary, stores, access, principals, cross-region references, residency rules. */
export function renderMarkdown(report: ResidencyReport): string {
  const s = report.summary;
  const verdict =
    s.crossRegionReferences === 0 && s.residencyRuleFindings === 0
      ? 'No cross-region reference and no residency rule finding.'
      : `**${s.crossRegionReferences} cross-region reference(s) and ${s.residencyRuleFindings} residency rule finding(s): see below.**`;
  const lines = [
    `# Residency and IAM report — ${report.stackName}`,
    '',
    `Region **${report.region}**, zone **${report.zone}**, allowed regions: ${report.allowedRegions.join(', ')}.`,
    `Report schema v${report.schemaVersion}. Every statement below is computed from the synthesized template.`,
    '',
    '## Summary',
    '',
    `- ${verdict}`,
    `- ${s.resources} resources, ${s.stores} data stores (including KMS keys).`,
    `- Unencrypted stores: ${s.unencryptedStores.length === 0 ? 'none' : s.unencryptedStores.join(', ')}.`,
    `- Stores whose customer managed key has rotation off: ${s.storesWithoutKeyRotation.length === 0 ? 'none' : s.storesWithoutKeyRotation.join(', ')}.`,
    `- Grants with a wildcard resource/principal: ${s.wildcardGrants}.`,
    `- Raw prompt content stored: ${report.rawContentStores.length === 0 ? 'none' : report.rawContentStores.map((r) => `${r.bucket}/${r.prefix} (${r.retention})`).join(', ')}.`,
    '',
    ...table(
      [
        'store',
        'type',
        'encryption',
        'key rotation',
        'TLS-only policy',
        'deletion policy',
        'readers',
        'writers',
        'admins',
      ],
      s.rows.map((r) => [
        r.store,
        r.type,
        r.encryption,
        r.keyRotation,
        r.tlsOnly,
        r.deletionPolicy,
        r.readers,
        r.writers,
        r.admins,
      ]),
    ),
    ...promptProcessingSection(report),
    '## Data stores',
    '',
    ...table(
      [
        'store',
        'encryption',
        'retention / lifecycle / TTL',
        'versioning / PITR',
        'public access',
        'replace policy',
        'notes',
      ],
      report.stores.map((st) => [
        st.logicalId,
        `${st.encryption.type}: ${st.encryption.detail}${st.encryption.keyLogicalId ? ` (key ${st.encryption.keyLogicalId})` : ''}${st.encryption.keyReference ? ` (key ${st.encryption.keyReference})` : ''}`,
        st.retention,
        st.versioningOrPitr,
        st.publicAccess,
        st.updateReplacePolicy,
        st.notes.join('; '),
      ]),
    ),
    '## Raw prompt content',
    '',
    'Stores that hold prompt text as sent (not a redacted excerpt, not a pseudonym). Empty unless data capture is on.',
    '',
    ...table(
      ['written by', 'bucket', 'prefix', 'content', 'sampling', 'retention'],
      report.rawContentStores.map((r) => [
        r.writer,
        r.bucket,
        r.prefix,
        r.content,
        r.samplingPercentage === null ? null : `${r.samplingPercentage} %`,
        r.retention,
      ]),
    ),
    '## Who can read, write or administer each store',
    '',
    'Computed from identity policies (IAM::Policy, role inline and customer managed policies) and resource policies',
    '(bucket, key, topic, queue, table). `*` marks a grant made through `Resource: "*"`, `NotAction` or `Principal: "*"`.',
    '',
    ...table(
      ['store', 'principal', 'levels', 'actions', 'from', 'conditional'],
      report.access.map((g) => [
        g.store,
        `${g.principal}${g.wildcard ? ' *' : ''}`,
        g.levels.join(', '),
        g.actions.join(', '),
        g.sources.join(', '),
        g.conditional,
      ]),
    ),
    '## Principals',
    '',
    ...table(
      ['role', 'trusted by', 'used by', 'AWS managed policies (not analysed)'],
      report.principals.map((p) => [
        p.principal,
        p.trustedBy.join(', '),
        p.usedBy.join(', '),
        p.awsManagedPolicies.join(', '),
      ]),
    ),
    '## Cross-region references',
    '',
    'Every string of Resources, Outputs and Parameters scanned for ARNs, endpoints, service principals, region names and',
    'Bedrock inference profiles of regions outside the zone. Empty for a compliant stack.',
    '',
    ...findingsTable(report.crossRegionReferences),
    '## Residency rules',
    '',
    'Replication, global table replicas, log and Firehose destinations, multi-region keys, edge compute.',
    '',
    ...findingsTable(report.residencyRuleFindings),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}
