/** Launch templates through the real EC2 client: versions, $Latest/$Default, SourceVersion merges, filters, partial deletes, errors. */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  DeleteLaunchTemplateCommand,
  DeleteLaunchTemplateVersionsCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  EC2Client,
  GetLaunchTemplateDataCommand,
  ModifyLaunchTemplateCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, type RunningStratus } from "../support/server.ts";
import { linuxImage, startEc2 } from "./instances-support.ts";

const run = promisify(execFile);

let server: RunningStratus;
let ec2: EC2Client;
let templateId = "";

before(async () => {
  ({ server, ec2 } = await startEc2());
});

after(async () => {
  ec2.destroy();
  await server.stop();
});

const versionsOf = async (versions?: string[], extra: { MinVersion?: string; MaxVersion?: string } = {}) =>
  (await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, ...(versions ? { Versions: versions } : {}), ...extra }))).LaunchTemplateVersions ?? [];

describe("CreateLaunchTemplate", () => {
  it("creates version 1 as default and latest, with tags", async () => {
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "web",
        VersionDescription: "first",
        LaunchTemplateData: {
          ImageId: "ami-0123456789abcdef0",
          InstanceType: "t3.micro",
          KeyName: "k",
          MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
          TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "web" }] }],
        },
        TagSpecifications: [{ ResourceType: "launch-template", Tags: [{ Key: "team", Value: "a" }] }],
      }),
    );
    const template = created.LaunchTemplate;
    assert.match(template?.LaunchTemplateId ?? "", /^lt-[0-9a-f]{17}$/);
    assert.equal(template?.DefaultVersionNumber, 1);
    assert.equal(template?.LatestVersionNumber, 1);
    assert.ok(template?.CreateTime instanceof Date);
    assert.equal(template?.CreatedBy, "arn:aws:iam::000000000000:root");
    assert.deepEqual(template?.Tags, [{ Key: "team", Value: "a" }]);
    templateId = template?.LaunchTemplateId ?? "";
    const [v1] = await versionsOf();
    assert.equal(v1?.VersionNumber, 1);
    assert.equal(v1?.DefaultVersion, true);
    assert.equal(v1?.VersionDescription, "first");
    assert.equal(v1?.LaunchTemplateData?.InstanceType, "t3.micro");
    assert.deepEqual(v1?.LaunchTemplateData?.TagSpecifications, [{ ResourceType: "instance", Tags: [{ Key: "Name", Value: "web" }] }]);
  });

  it("refuses duplicates, malformed names and malformed image ids", async () => {
    const duplicate = await sdkFailure(ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "web", LaunchTemplateData: { InstanceType: "t3.nano" } })));
    assert.equal(duplicate.name, "InvalidLaunchTemplateName.AlreadyExistsException");
    assert.equal(duplicate.message, "Launch template name already in use.");
    const badName = await sdkFailure(ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "a b", LaunchTemplateData: { InstanceType: "t3.nano" } })));
    assert.equal(badName.name, "InvalidLaunchTemplateName.MalformedException");
    const badImage = await sdkFailure(ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "bad-image", LaunchTemplateData: { ImageId: "image-1" } })));
    assert.equal(badImage.name, "InvalidAMIID.Malformed");
    const dry = await sdkFailure(ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "dry", LaunchTemplateData: { InstanceType: "t3.nano" }, DryRun: true })));
    assert.equal(dry.name, "DryRunOperation");
    const none = await sdkFailure(ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ["dry"] })));
    assert.equal(none.name, "InvalidLaunchTemplateName.NotFoundException");
  });

  it("is idempotent for a repeated ClientToken", async () => {
    const first = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "idem", LaunchTemplateData: { InstanceType: "t3.nano" }, ClientToken: "tok-1" }));
    const second = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "idem", LaunchTemplateData: { InstanceType: "t3.nano" }, ClientToken: "tok-1" }));
    assert.equal(second.LaunchTemplate?.LaunchTemplateId, first.LaunchTemplate?.LaunchTemplateId);
  });
});

describe("versions", () => {
  it("CreateLaunchTemplateVersion with SourceVersion inherits what the new data leaves out", async () => {
    const v2 = await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: templateId, SourceVersion: "1", VersionDescription: "bigger", LaunchTemplateData: { InstanceType: "t3.large" } }));
    assert.equal(v2.LaunchTemplateVersion?.VersionNumber, 2);
    assert.equal(v2.LaunchTemplateVersion?.DefaultVersion, false);
    assert.equal(v2.LaunchTemplateVersion?.LaunchTemplateData?.InstanceType, "t3.large");
    assert.equal(v2.LaunchTemplateVersion?.LaunchTemplateData?.ImageId, "ami-0123456789abcdef0");
    assert.equal(v2.LaunchTemplateVersion?.LaunchTemplateData?.MetadataOptions?.HttpTokens, "required");
    const v3 = await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateName: "web", LaunchTemplateData: { InstanceType: "m5.large" } }));
    assert.equal(v3.LaunchTemplateVersion?.VersionNumber, 3);
    assert.equal(v3.LaunchTemplateVersion?.LaunchTemplateData?.ImageId, undefined, "no SourceVersion: nothing inherited");
    const described = await ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [templateId] }));
    assert.equal(described.LaunchTemplates?.[0]?.LatestVersionNumber, 3);
    assert.equal(described.LaunchTemplates?.[0]?.DefaultVersionNumber, 1);
  });

  it("resolves $Latest and $Default, lists newest first, and honours Min/MaxVersion", async () => {
    assert.deepEqual((await versionsOf()).map((v) => v.VersionNumber), [3, 2, 1]);
    assert.deepEqual((await versionsOf(["$Latest"])).map((v) => v.VersionNumber), [3]);
    assert.deepEqual((await versionsOf(["$Default"])).map((v) => v.VersionNumber), [1]);
    assert.deepEqual((await versionsOf(["$Default", "2"])).map((v) => v.VersionNumber), [2, 1]);
    assert.deepEqual((await versionsOf(undefined, { MinVersion: "2" })).map((v) => v.VersionNumber), [3, 2]);
    assert.deepEqual((await versionsOf(undefined, { MinVersion: "1", MaxVersion: "2" })).map((v) => v.VersionNumber), [2, 1]);
    const missing = await sdkFailure(versionsOf(["9"]));
    assert.equal(missing.name, "InvalidLaunchTemplateId.VersionNotFound");
    assert.equal(missing.message, `Could not find the specified version 9 for the launch template with ID ${templateId}.`);
  });

  it("filters versions by their data", async () => {
    const filtered = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Filters: [{ Name: "instance-type", Values: ["t3.*"] }] }));
    assert.deepEqual(filtered.LaunchTemplateVersions?.map((v) => v.VersionNumber), [2, 1]);
    const defaults = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Filters: [{ Name: "is-default-version", Values: ["true"] }] }));
    assert.deepEqual(defaults.LaunchTemplateVersions?.map((v) => v.VersionNumber), [1]);
    const latestEverywhere = await ec2.send(new DescribeLaunchTemplateVersionsCommand({ Versions: ["$Latest"] }));
    assert.deepEqual(latestEverywhere.LaunchTemplateVersions?.map((v) => `${v.LaunchTemplateName}:${v.VersionNumber}`).sort(), ["idem:1", "web:3"]);
    const bad = await sdkFailure(ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Filters: [{ Name: "colour", Values: ["x"] }] })));
    assert.equal(bad.name, "InvalidParameterValue");
  });

  it("ModifyLaunchTemplate moves the default; unknown versions are refused", async () => {
    const modified = await ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId, DefaultVersion: "2" }));
    assert.equal(modified.LaunchTemplate?.DefaultVersionNumber, 2);
    assert.deepEqual((await versionsOf(["$Default"])).map((v) => v.VersionNumber), [2]);
    const bad = await sdkFailure(ec2.send(new ModifyLaunchTemplateCommand({ LaunchTemplateId: templateId, DefaultVersion: "7" })));
    assert.equal(bad.name, "InvalidLaunchTemplateId.VersionNotFound");
  });

  it("DeleteLaunchTemplateVersions reports the default version and unknown ones as unsuccessful", async () => {
    const result = await ec2.send(new DeleteLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ["2", "3", "8"] }));
    assert.deepEqual(result.SuccessfullyDeletedLaunchTemplateVersions?.map((v) => v.VersionNumber), [3]);
    const failed = result.UnsuccessfullyDeletedLaunchTemplateVersions ?? [];
    assert.deepEqual(failed.map((f) => [f.VersionNumber, f.ResponseError?.Code]), [[2, "unexpectedError"], [8, "launchTemplateVersionDoesNotExist"]]);
    assert.equal(failed[0]?.LaunchTemplateName, "web");
    assert.deepEqual((await versionsOf()).map((v) => v.VersionNumber), [2, 1]);
    // $Latest falls back to the highest remaining version; a deleted number is not issued again.
    assert.deepEqual((await versionsOf(["$Latest"])).map((v) => v.VersionNumber), [2]);
    const v4 = await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: templateId, LaunchTemplateData: { InstanceType: "t3.nano" } }));
    assert.equal(v4.LaunchTemplateVersion?.VersionNumber, 4);
  });
});

describe("DescribeLaunchTemplates and DeleteLaunchTemplate", () => {
  it("answers EC2's errors for unknown and malformed ids and names", async () => {
    const unknownId = await sdkFailure(ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ["lt-0123456789abcdef0"] })));
    assert.equal(unknownId.name, "InvalidLaunchTemplateId.NotFound");
    const malformed = await sdkFailure(ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: ["template-1"] })));
    assert.equal(malformed.name, "InvalidLaunchTemplateId.Malformed");
    const unknownName = await sdkFailure(ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: ["nope"] })));
    assert.equal(unknownName.name, "InvalidLaunchTemplateName.NotFoundException");
    const versionsOfUnknown = await sdkFailure(ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: "nope" })));
    assert.equal(versionsOfUnknown.name, "InvalidLaunchTemplateName.NotFoundException");
  });

  it("filters by name and tag, and pages", async () => {
    const byName = await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "launch-template-name", Values: ["w*"] }] }));
    assert.deepEqual(byName.LaunchTemplates?.map((t) => t.LaunchTemplateName), ["web"]);
    const byTag = await ec2.send(new DescribeLaunchTemplatesCommand({ Filters: [{ Name: "tag:team", Values: ["a"] }] }));
    assert.deepEqual(byTag.LaunchTemplates?.map((t) => t.LaunchTemplateName), ["web"]);
    const page = await ec2.send(new DescribeLaunchTemplatesCommand({ MaxResults: 1 }));
    assert.equal(page.LaunchTemplates?.length, 1);
    assert.ok(page.NextToken);
    const rest = await ec2.send(new DescribeLaunchTemplatesCommand({ MaxResults: 1, NextToken: page.NextToken }));
    assert.equal(rest.LaunchTemplates?.length, 1);
    assert.notEqual(rest.LaunchTemplates?.[0]?.LaunchTemplateId, page.LaunchTemplates?.[0]?.LaunchTemplateId);
  });

  it("works through the AWS CLI, and deletes", async () => {
    const env = cliEnv(server.endpoint);
    const out = JSON.parse(
      (await run("aws", ["ec2", "describe-launch-template-versions", "--launch-template-name", "web", "--versions", "$Default"], { env })).stdout,
    ) as { LaunchTemplateVersions: Array<{ VersionNumber: number; LaunchTemplateData: { InstanceType?: string } }> };
    assert.deepEqual(out.LaunchTemplateVersions.map((v) => [v.VersionNumber, v.LaunchTemplateData.InstanceType]), [[2, "t3.large"]]);
    const deleted = await ec2.send(new DeleteLaunchTemplateCommand({ LaunchTemplateName: "web" }));
    assert.equal(deleted.LaunchTemplate?.LaunchTemplateId, templateId);
    const gone = await sdkFailure(ec2.send(new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [templateId] })));
    assert.equal(gone.name, "InvalidLaunchTemplateId.NotFound");
  });
});

describe("launching from templates", () => {
  it("RunInstances takes the named version's data; request parameters win", async () => {
    const imageId = await linuxImage(ec2);
    const created = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "launcher",
        LaunchTemplateData: { ImageId: imageId, InstanceType: "t3.small", TagSpecifications: [{ ResourceType: "instance", Tags: [{ Key: "from", Value: "template" }] }] },
      }),
    );
    const id = created.LaunchTemplate?.LaunchTemplateId ?? "";
    await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, SourceVersion: "1", LaunchTemplateData: { InstanceType: "t3.medium" } }));
    const byDefault = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: "launcher" } }));
    assert.equal(byDefault.Instances?.[0]?.InstanceType, "t3.small");
    assert.equal(byDefault.Instances?.[0]?.ImageId, imageId);
    const latest = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: id, Version: "$Latest" } }));
    assert.equal(latest.Instances?.[0]?.InstanceType, "t3.medium");
    const overridden = await ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, InstanceType: "t3.nano", LaunchTemplate: { LaunchTemplateId: id, Version: "2" } }));
    assert.equal(overridden.Instances?.[0]?.InstanceType, "t3.nano");
    const missing = await sdkFailure(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateName: "nope" } })));
    assert.equal(missing.name, "InvalidLaunchTemplateName.NotFoundException");
    const noVersion = await sdkFailure(ec2.send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, LaunchTemplate: { LaunchTemplateId: id, Version: "5" } })));
    assert.equal(noVersion.name, "InvalidLaunchTemplateId.VersionNotFound");

    // GetLaunchTemplateData turns the instance back into template data that launches the same thing.
    const instanceId = latest.Instances?.[0]?.InstanceId ?? "";
    const data = (await ec2.send(new GetLaunchTemplateDataCommand({ InstanceId: instanceId }))).LaunchTemplateData;
    assert.equal(data?.ImageId, imageId);
    assert.equal(data?.InstanceType, "t3.medium");
    assert.equal(data?.Placement?.AvailabilityZone, latest.Instances?.[0]?.Placement?.AvailabilityZone);
    assert.deepEqual(data?.TagSpecifications, [{ ResourceType: "instance", Tags: [{ Key: "from", Value: "template" }] }]);
    assert.equal(data?.NetworkInterfaces?.[0]?.DeviceIndex, 0);
    const copy = await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: "copy", LaunchTemplateData: { ImageId: data?.ImageId, InstanceType: data?.InstanceType } }));
    assert.ok(copy.LaunchTemplate?.LaunchTemplateId);
    const unknown = await sdkFailure(ec2.send(new GetLaunchTemplateDataCommand({ InstanceId: "i-0123456789abcdef0" })));
    assert.equal(unknown.name, "InvalidInstanceID.NotFound");
    const retried = await Promise.all(
      [1, 2].map(async () => await ec2.send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: id, ClientToken: "same-token", LaunchTemplateData: { InstanceType: "t3.large" } }))),
    );
    assert.deepEqual(retried.map((r) => r.LaunchTemplateVersion?.VersionNumber), [3, 3], "a retried ClientToken answers the version it made");
  });
});
