/**
 * Writes the residency and IAM report of every stack of a synthesized cloud assembly.
 *
 *   tsx scripts/compliance-report.ts [cdk.out] [--fail-on-findings]
 *
 * Output: `<cdk.out>/reports/<stack>.residency.md` and `.json`. With `--fail-on-findings` the
 * exit code is 1 when any stack has a cross-region reference or a residency rule finding.
 */
import { join, resolve } from 'node:path';
import { reportAssembly, reportEdge, writeEdgeReport, writeReports } from '../lib/report/assembly';

function main(argv: readonly string[]): number {
  const failOnFindings = argv.includes('--fail-on-findings');
  const dir = resolve(argv.find((a) => !a.startsWith('--')) ?? 'cdk.out');
  const reports = reportAssembly(dir);
  const files = writeReports(reports, join(dir, 'reports'));
  let findings = 0;
  for (const r of reports) {
    const n = r.summary.crossRegionReferences + r.summary.residencyRuleFindings;
    findings += n;
    console.log(
      `${r.stackName} (${r.zone}/${r.region}): ${r.summary.stores} stores, ${r.access.length} grants, ` +
        `${r.summary.wildcardGrants} wildcard, ${n} residency finding(s); prompts processed in: ${r.promptProcessing.regions.join(', ') || 'none'}`,
    );
  }
  const edge = reportEdge(dir);
  if (edge !== undefined) {
    files.push(...writeEdgeReport(edge, join(dir, 'reports')));
    findings += edge.findings.length;
    console.log(
      `${edge.stackName} (edge/${edge.region}): ${edge.routes.length} origins, zones ${edge.zones
        .map((z) => `${z.zone}→${z.reachableRegions.join('+')}`)
        .join(' ')}, ${edge.findings.length} edge finding(s)`,
    );
  }
  console.log(`wrote ${files.length} files to ${join(dir, 'reports')}`);
  return failOnFindings && findings > 0 ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (err) {
  console.error(`compliance-report: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 2;
}
