/** The committed models match a fresh `npm run models`, and the server imports no AWS SDK code at run time. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

test("committed models and operation types equal a fresh regeneration", () => {
  const out = mkdtempSync(join(tmpdir(), "stratus-models-"));
  try {
    execFileSync(process.execPath, [join(root, "scripts/generate-models.ts"), "--out", out], { stdio: "pipe" });
    for (const dir of ["models", "src/generated"]) {
      const committed = readdirSync(join(root, dir)).sort();
      const fresh = readdirSync(join(out, dir)).sort();
      assert.deepEqual(committed, fresh, `${dir}: file list differs from regeneration`);
      for (const file of fresh) {
        const same = readFileSync(join(root, dir, file), "utf8") === readFileSync(join(out, dir, file), "utf8");
        assert.ok(same, `${dir}/${file} differs from regeneration: run \`npm run models\` and commit`);
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith(".ts") ? [path] : [];
  });
}

test("src/ brings in @aws-sdk and @smithy code only as types", () => {
  const offenders: string[] = [];
  for (const file of sourceFiles(join(root, "src"))) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/^\s*(import|export)\s+(?!type\b)[^;]*?from\s+["'](@aws-sdk|@smithy)\//gm)) {
      offenders.push(`${file}: ${match[0].trim()}`);
    }
    if (/import\(\s*["'](@aws-sdk|@smithy)\//.test(text)) offenders.push(`${file}: dynamic import of the SDK`);
  }
  assert.deepEqual(offenders, []);
});
