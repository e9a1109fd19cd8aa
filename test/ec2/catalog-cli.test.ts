/** The catalogue and EBS through the AWS CLI: zones with Local/Wavelength Zones, aws_ami-style image lookups, volumes. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { cliEnv, startStratus, type RunningStratus } from "../support/server.ts";

const run = promisify(execFile);
let server: RunningStratus;

before(async () => {
  server = await startStratus();
});
after(async () => {
  await server.stop();
});

async function aws(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run("aws", ["ec2", ...args, "--output", "json"], { env: cliEnv(server.endpoint) });
  return JSON.parse(stdout) as Record<string, unknown>;
}

interface Zone {
  ZoneName: string;
  ZoneId: string;
  ZoneType: string;
  OptInStatus: string;
}

// Each CLI start costs a second or more: the cases run concurrently.
describe("AWS CLI", { concurrency: true }, () => {
  it("describe-availability-zones --all-availability-zones, then opting in a Wavelength group", async () => {
    const all = (await aws("describe-availability-zones", "--all-availability-zones")).AvailabilityZones as Zone[];
    const wavelength = all.filter((z) => z.ZoneType === "wavelength-zone");
    assert.ok(wavelength.length > 0 && wavelength.every((z) => z.OptInStatus === "not-opted-in"));
    assert.ok(all.some((z) => z.ZoneName === "us-east-1a" && /^use1-az\d$/.test(z.ZoneId)));
    const groupName = (wavelength[0] as (Zone & { GroupName: string }) | undefined)?.GroupName ?? "";
    await aws("modify-availability-zone-group", "--group-name", groupName, "--opt-in-status", "opted-in");
    const enabled = (await aws("describe-availability-zones", "--filters", `Name=group-name,Values=${groupName}`)).AvailabilityZones as Zone[];
    assert.ok(enabled.length > 0 && enabled.every((z) => z.OptInStatus === "opted-in"));
  });

  it("describe-images --owners amazon --filters name/architecture", async () => {
    const out = await aws("describe-images", "--owners", "amazon", "--filters", "Name=name,Values=al2023-ami-2023.*-x86_64", "Name=architecture,Values=x86_64",
      "--query", "sort_by(Images, &CreationDate)[-1].{Id: ImageId, Name: Name, Owner: ImageOwnerAlias}");
    assert.match(String(out["Id"]), /^ami-[0-9a-f]{17}$/);
    assert.match(String(out["Name"]), /^al2023-ami-2023\..*-x86_64$/);
    assert.equal(out["Owner"], "amazon");
  });

  it("create-volume with gp3 defaults", async () => {
    const created = await aws("create-volume", "--availability-zone", "us-east-1c", "--size", "8", "--volume-type", "gp3");
    assert.equal(created["State"], "creating");
    const id = String(created["VolumeId"]);
    assert.match(id, /^vol-[0-9a-f]{17}$/);
    assert.equal(created["Iops"], 3000);
  });
});
