/** Lambda container images for the tests, built locally (no registry is reachable): the host's node, its libraries, Stratus's node runtime client. */
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync, chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BASE_TAG = "stratus-test/lambda-nodejs:base";
const BOOTSTRAP = fileURLToPath(new URL("../../runtimes/nodejs/bootstrap.cjs", import.meta.url));
const APPLETS = ["sh", "cat", "echo", "sleep", "env", "true", "ls", "id"];

/** AWS base images start /lambda-entrypoint.sh with the image's CMD (the handler) as its argument. */
const ENTRYPOINT = `#!/bin/sh
# As in AWS's base images: the first argument (the image's CMD) names the handler.
export _HANDLER="$1"
exec /var/lang/bin/node /var/runtime/bootstrap.cjs
`;

const imageExists = (tag: string): boolean => spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" }).status === 0;

/** The shared libraries `ldd` lists for a binary (absolute paths). */
function libraries(binary: string): string[] {
  const out = execFileSync("ldd", [binary], { encoding: "utf8" });
  const found = new Set<string>();
  for (const line of out.split("\n")) {
    const match = /(\/\S+)\s+\(0x/.exec(line);
    if (match?.[1]) found.add(match[1]);
  }
  return [...found];
}

function copyInto(root: string, file: string): void {
  const target = join(root, file);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(realpathSync(file), target);
}

/**
 * The runtime base image (~130 MB, built once per machine): node at /var/lang/bin/node, the node runtime client at
 * /var/runtime, busybox for the entry point, ENTRYPOINT /lambda-entrypoint.sh like AWS's public.ecr.aws/lambda/nodejs.
 */
export function lambdaNodeBaseImage(): string {
  if (imageExists(BASE_TAG)) return BASE_TAG;
  const node = realpathSync(process.execPath);
  const busybox = ["/usr/bin/busybox", "/bin/busybox"].find((path) => existsSync(path));
  if (!busybox) throw new Error("busybox-static is not installed (apt-get install busybox-static)");
  const root = mkdtempSync(join(tmpdir(), "stratus-lambda-image-"));
  try {
    for (const dir of ["bin", "tmp", "var/task", "var/runtime", "var/lang/bin"]) mkdirSync(join(root, dir), { recursive: true });
    copyFileSync(node, join(root, "var/lang/bin/node"));
    for (const lib of libraries(node)) copyInto(root, lib);
    copyFileSync(busybox, join(root, "bin/busybox"));
    for (const applet of APPLETS) symlinkSync("busybox", join(root, "bin", applet));
    copyFileSync(BOOTSTRAP, join(root, "var/runtime/bootstrap.cjs"));
    writeFileSync(join(root, "lambda-entrypoint.sh"), ENTRYPOINT);
    chmodSync(join(root, "lambda-entrypoint.sh"), 0o755);
    const changes = [
      "ENV PATH=/var/lang/bin:/bin",
      "ENV LAMBDA_TASK_ROOT=/var/task",
      "ENV LAMBDA_RUNTIME_DIR=/var/runtime",
      "WORKDIR /var/task",
      'ENTRYPOINT ["/lambda-entrypoint.sh"]',
    ];
    const args = changes.flatMap((change) => ["--change", change]);
    execFileSync("sh", ["-c", `tar -C "$0" -c . | docker import "$@" - ${BASE_TAG}`, root, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return BASE_TAG;
}

/**
 * A function image: the base image plus `files` under /var/task and CMD [handler] (docker build FROM the local base).
 * Rebuilt every call (the tag moves to the new image); returns the tag.
 */
export function lambdaFunctionImage(tag: string, files: Record<string, string>, handler = "app.handler"): string {
  const base = lambdaNodeBaseImage();
  const context = mkdtempSync(join(tmpdir(), "stratus-lambda-fn-"));
  try {
    const lines = [`FROM ${base}`];
    for (const [name, content] of Object.entries(files)) {
      writeFileSync(join(context, name), content);
      lines.push(`COPY ${name} /var/task/${name}`);
    }
    lines.push(`CMD [${JSON.stringify(handler)}]`);
    writeFileSync(join(context, "Dockerfile"), lines.join("\n") + "\n");
    const result = spawnSync("docker", ["build", "-q", "-t", tag, context], { encoding: "utf8", env: { ...process.env, DOCKER_BUILDKIT: "0" } });
    if (result.status !== 0) throw new Error(`docker build ${tag} failed: ${result.stderr}`);
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
  return tag;
}

/** The image's id (sha256:…), for comparing with what Stratus reports. */
export const imageId = (tag: string): string => execFileSync("docker", ["image", "inspect", "--format", "{{.Id}}", tag], { encoding: "utf8" }).trim();
