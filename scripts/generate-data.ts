/** `npm run data`: turns the recorded AWS facts (build-time input, not shipped) into the project's own files under data/. */
// Usage: node scripts/generate-data.ts [--source DIR] [--out DIR]
//   DIR for --source defaults to $STRATUS_DATA_SOURCE, else /work/shared/data/aws; --out to the repository root.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateIamPolicies, IAM_POLICIES_OUTPUT } from "./data/iam-policies.ts";
import { EC2_INSTANCE_TYPES_OUTPUT, EC2_OFFERINGS_OUTPUT, EC2_ZONES_OUTPUT, generateInstanceTypes, generateOfferings, generateZones } from "./data/ec2-catalog.ts";
import { EC2_IMAGES_OUTPUT, generateImages } from "./data/ec2-images.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function argument(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

const source = argument("--source") ?? process.env["STRATUS_DATA_SOURCE"] ?? "/work/shared/data/aws";
const outRoot = argument("--out") ?? root;

// One converter per data family.
const converters: { output: string; run: () => number }[] = [
  { output: IAM_POLICIES_OUTPUT, run: () => generateIamPolicies(source, outRoot) },
  { output: EC2_INSTANCE_TYPES_OUTPUT, run: () => generateInstanceTypes(source, outRoot) },
  { output: EC2_OFFERINGS_OUTPUT, run: () => generateOfferings(source, outRoot) },
  { output: EC2_ZONES_OUTPUT, run: () => generateZones(source, outRoot) },
  { output: EC2_IMAGES_OUTPUT, run: () => generateImages(source, outRoot) },
];

for (const converter of converters) {
  const count = converter.run();
  console.log(`${converter.output}: ${count} records`);
}
