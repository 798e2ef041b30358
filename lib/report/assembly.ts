/**
 * Reading a cloud assembly (`cdk.out`) and writing the per-stack residency reports. The only module
 * of `lib/report` that touches the file system.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEdgeReport, type EdgeReport, renderEdgeMarkdown } from './edge-report';
import { renderMarkdown } from './markdown';
import { buildResidencyReport, type ResidencyReport } from './report';
import { isObject, type Json, parseTemplate } from './template';

/** Metadata type written by the ResidencyGuard aspect (kept in sync with lib/aspects/residency-guard.ts). */
const RESIDENCY_METADATA_TYPE = 'csp:residency';
/** Stack tag the app sets with the zone, used when the guard metadata is absent. */
const ZONE_TAG = 'safeguards:residency-zone';

/** A CloudFormation stack artifact of the assembly. */
export interface StackArtifact {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  readonly templateFile: string;
  readonly zone: string;
  readonly allowedRegions?: readonly string[];
  readonly residencyBound?: boolean;
  readonly inferenceRegions?: readonly string[];
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

type MetadataEntries = Record<string, readonly { type?: string; data?: Json }[]>;

function metadataOf(dir: string, artifact: Record<string, unknown>): MetadataEntries {
  const file = artifact['additionalMetadataFile'];
  const fromFile = typeof file === 'string' ? readJson(join(dir, file)) : undefined;
  const inline = artifact['metadata'];
  return {
    ...(isObject(inline) ? inline : {}),
    ...(isObject(fromFile) ? fromFile : {}),
  } as unknown as MetadataEntries;
}

function residencyOf(metadata: MetadataEntries): {
  zone?: string;
  allowedRegions?: string[];
  residencyBound?: boolean;
  inferenceRegions?: string[];
} {
  for (const entries of Object.values(metadata)) {
    for (const entry of entries) {
      if (entry.type === RESIDENCY_METADATA_TYPE && isObject(entry.data)) {
        const d = entry.data;
        return {
          zone: typeof d['zone'] === 'string' ? d['zone'] : undefined,
          allowedRegions: Array.isArray(d['allowedRegions']) ? d['allowedRegions'].map(String) : undefined,
          residencyBound: typeof d['residencyBound'] === 'boolean' ? d['residencyBound'] : undefined,
          inferenceRegions: Array.isArray(d['inferenceRegions'])
            ? d['inferenceRegions'].map(String)
            : undefined,
        };
      }
    }
  }
  return {};
}

function zoneTag(properties: Record<string, unknown>): string | undefined {
  const tags = properties['tags'];
  return isObject(tags) && typeof tags[ZONE_TAG] === 'string' ? tags[ZONE_TAG] : undefined;
}

/**
 * The CloudFormation stacks of the assembly in `dir`, with region from the artifact environment
 * (`aws://account/region`) and zone from the guard's metadata (or the zone tag).
 *
 * @throws Error when manifest.json is missing or a stack's environment has no literal region.
 */
export function readStackArtifacts(dir: string): StackArtifact[] {
  const manifest = readJson(join(dir, 'manifest.json'));
  const artifacts = isObject(manifest) && isObject(manifest['artifacts']) ? manifest['artifacts'] : {};
  const out: StackArtifact[] = [];
  for (const [stackName, raw] of Object.entries(artifacts)) {
    if (!isObject(raw) || raw['type'] !== 'aws:cloudformation:stack') continue;
    const artifact = raw as unknown as Record<string, unknown>;
    const env = /^aws:\/\/([^/]+)\/(.+)$/.exec(String(artifact['environment'] ?? ''));
    const region = env?.[2];
    if (region === undefined || region === 'unknown-region') {
      throw new Error(`${stackName}: environment '${String(artifact['environment'])}' has no literal region`);
    }
    const properties = (isObject(artifact['properties']) ? artifact['properties'] : {}) as Record<
      string,
      unknown
    >;
    const residency = residencyOf(metadataOf(dir, artifact));
    out.push({
      stackName,
      account: env?.[1] ?? 'unknown-account',
      region,
      templateFile: String(properties['templateFile']),
      zone: residency.zone ?? zoneTag(properties) ?? 'unknown',
      allowedRegions: residency.allowedRegions,
      residencyBound: residency.residencyBound,
      inferenceRegions: residency.inferenceRegions,
    });
  }
  return out.sort((a, b) => a.stackName.localeCompare(b.stackName));
}

/** Builds the report of every stack of the assembly in `dir`. */
export function reportAssembly(dir: string): ResidencyReport[] {
  return readStackArtifacts(dir).map((stack) =>
    buildResidencyReport(parseTemplate(readJson(join(dir, stack.templateFile)), stack.templateFile), stack),
  );
}

/** The edge section over every stack of the assembly in `dir` (undefined without an edge stack). */
export function reportEdge(dir: string): EdgeReport | undefined {
  return buildEdgeReport(
    readStackArtifacts(dir).map((s) => ({
      stackName: s.stackName,
      region: s.region,
      zone: s.zone,
      template: parseTemplate(readJson(join(dir, s.templateFile)), s.templateFile),
    })),
  );
}

/** Writes `<outDir>/edge.md` and `.json`; returns the files written. */
export function writeEdgeReport(report: EdgeReport, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const base = join(outDir, 'edge');
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderEdgeMarkdown(report));
  return [`${base}.md`, `${base}.json`];
}

/** Writes `<outDir>/<stack>.residency.md` and `.json` for each report; returns the files written. */
export function writeReports(reports: readonly ResidencyReport[], outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  return reports.flatMap((report) => {
    const base = join(outDir, `${report.stackName}.residency`);
    writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(`${base}.md`, renderMarkdown(report));
    return [`${base}.md`, `${base}.json`];
  });
}
