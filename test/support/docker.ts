/** Docker for the container tests: whether an engine answers, and test images built locally (no registry is reachable). */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, copyFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

let available: boolean | undefined;

/** True when `docker info` reaches an engine (CI installs docker.io and starts dockerd). */
export function dockerAvailable(): boolean {
  available ??= spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { stdio: "ignore", timeout: 10_000 }).status === 0;
  return available;
}

/** Why a Docker test is skipped, or false when it can run: use as `{ skip: dockerSkip() }`. */
export const dockerSkip = (): string | false => (dockerAvailable() ? false : "no Docker engine reachable");

const BUSYBOX_APPLETS = ["sh", "ls", "cat", "echo", "sleep", "httpd", "nc", "env", "true", "false", "id", "printf", "kill", "test", "grep", "head", "wc", "date", "hostname", "pwd", "mkdir", "touch", "rm"];

/**
 * A 2 MB busybox image (`docker import` of Debian's busybox-static), built once per tag.
 * Serve HTTP with `httpd -f -p PORT -h DIR`; avoid busybox `wget` (the static build crashes resolving names).
 */
export function busyboxImage(tag = "stratus-test/busybox:latest"): string {
  if (spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" }).status === 0) return tag;
  const busybox = ["/usr/bin/busybox", "/bin/busybox"].find((path) => existsSync(path));
  if (!busybox) throw new Error("busybox-static is not installed (apt-get install busybox-static)");
  const root = mkdtempSync(join(tmpdir(), "stratus-busybox-"));
  try {
    mkdirSync(join(root, "bin"));
    mkdirSync(join(root, "tmp"));
    mkdirSync(join(root, "www"));
    copyFileSync(busybox, join(root, "bin", "busybox"));
    for (const applet of BUSYBOX_APPLETS) symlinkSync("busybox", join(root, "bin", applet));
    execFileSync("sh", ["-c", `tar -C "${root}" -c . | docker import --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - ${tag}`], { stdio: "ignore" });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return tag;
}

/** Runs the docker CLI and returns its stdout (throws with stderr on failure). */
export function docker(args: string[], input?: string): string {
  const result = spawnSync("docker", args, { input, encoding: "utf8", timeout: 120_000 });
  if (result.status !== 0) throw new Error(`docker ${args.join(" ")} failed: ${result.stderr}`);
  return result.stdout;
}

/** Removes the images the engine pulled from a (test) registry, e.g. "127.0.0.1:41595": each test Stratus has its own port, so they would pile up. */
export function removeImagesFrom(registryHost: string): void {
  const listing = spawnSync("docker", ["images", "--format", "{{.Repository}} {{.ID}}"], { encoding: "utf8" }).stdout ?? "";
  const ids = new Set(listing.split("\n").filter((line) => line.startsWith(`${registryHost}/`)).map((line) => line.slice(line.indexOf(" ") + 1)));
  if (ids.size) spawnSync("docker", ["rmi", "-f", ...ids], { stdio: "ignore" });
}
