/**
 * Writes a synthetic N-region deployment config (for synth-time measurements; not committed).
 *
 *   npx tsx scripts/generate-config.ts 12 /tmp/safeguards-12.json
 *   time npx cdk synth --quiet -c config=/tmp/safeguards-12.json
 *
 * Regions are taken in order from the list below; every region copies the first region of the example config,
 * with its image and model data moved to that region. The output is validated before it is written.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfig } from '../config/schema';

const REGIONS: ReadonlyArray<readonly [region: string, zone: string]> = [
  ['eu-west-1', 'EU'],
  ['eu-central-1', 'EU'],
  ['eu-west-2', 'UK'],
  ['eu-west-3', 'EU'],
  ['eu-north-1', 'EU'],
  ['eu-south-1', 'EU'],
  ['us-east-1', 'US'],
  ['us-east-2', 'US'],
  ['us-west-2', 'US'],
  ['ca-central-1', 'CA'],
  ['ap-northeast-1', 'JP'],
  ['ap-southeast-2', 'AU'],
];

const [countArg = '12', out = '/tmp/safeguards-generated.config.json'] = process.argv.slice(2);
const count = Number(countArg);
if (!Number.isInteger(count) || count < 1 || count > REGIONS.length) {
  console.error(`usage: generate-config.ts <1..${REGIONS.length}> [output.json]`);
  process.exit(2);
}

const root = path.resolve(__dirname, '..');
const example = JSON.parse(readFileSync(path.join(root, 'config/example.config.json'), 'utf8'));
const template = example.regions[0];
const regions = REGIONS.slice(0, count).map(([region, zone]) => ({
  ...template,
  region,
  residencyZone: zone,
  classifier: {
    ...template.classifier,
    imageUri: template.classifier.imageUri.replace(template.region, region),
    modelDataUrl: template.classifier.modelDataUrl.replace(template.region, region),
  },
}));
const config = { ...example, regions };
parseConfig(config, out);
writeFileSync(out, `${JSON.stringify(config, null, 2)}\n`);
console.log(`wrote ${count} regions to ${out}`);
