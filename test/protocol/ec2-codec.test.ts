/** The ec2 codec against the real EC2 SDK client: what it sends parses back, what we write it reads. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  ImportKeyPairCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { DescribeInstancesCommandOutput, RunInstancesCommandInput } from "@aws-sdk/client-ec2";
import { ec2Codec } from "../../src/protocol/ec2-codec.ts";
import type { HttpRequest } from "../../src/protocol/http-types.ts";
import { ModelRegistry } from "../../src/protocol/model-registry.ts";
import type { LoadedModel } from "../../src/protocol/model-registry.ts";
import { AwsError } from "../../src/shared/aws-error.ts";
import { clientConfig, createTransport, lastRequest, withoutMetadata } from "./sdk-harness.ts";

const model = new ModelRegistry().get("ec2");

function setup() {
  const capture = createTransport(ec2Codec, model);
  return { capture, client: new EC2Client(clientConfig(capture)) };
}

const form = (body: string, rawQuery = ""): HttpRequest => ({
  method: body === "" ? "GET" : "POST",
  path: "/",
  rawQuery,
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: Buffer.from(body),
});

/** What the SDK reads back from our EC2 XML: every list member we left out arrives as [] (`<groupSet/>`). */
function withEmptyLists(m: LoadedModel, shapeName: string, value: unknown): unknown {
  const shape = m.shape(shapeName);
  if (shape === undefined || value === undefined || value === null) return value;
  if (shape.type === "list") return (value as unknown[]).map((item) => withEmptyLists(m, shape.member.t, item));
  if (shape.type === "map") return value;
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members)) {
    const member = record[name];
    if (member === undefined) {
      if (m.shape(ref.t)?.type === "list") out[name] = [];
    } else out[name] = withEmptyLists(m, ref.t, member);
  }
  return out;
}

describe("ec2 codec: requests the SDK sends", () => {
  it("parses RunInstances with tag specifications, block devices and network interfaces", async () => {
    const { capture, client } = setup();
    const input: RunInstancesCommandInput = {
      ImageId: "ami-0abcdef1234567890",
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 3,
      KeyName: "my key+name",
      SecurityGroupIds: ["sg-1", "sg-2"],
      UserData: "IyEvYmluL2Jhc2gKZWNobyBoaQ==",
      ClientToken: "token-1",
      DryRun: false,
      Monitoring: { Enabled: true },
      Placement: { AvailabilityZone: "us-east-1a", Tenancy: "default" },
      TagSpecifications: [
        { ResourceType: "instance", Tags: [{ Key: "Name", Value: "web server" }, { Key: "env", Value: "a+b&c=d/ü" }] },
        { ResourceType: "volume", Tags: [{ Key: "k", Value: "" }] },
      ],
      BlockDeviceMappings: [
        { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 20, VolumeType: "gp3", DeleteOnTermination: true, Encrypted: false, Iops: 3000 } },
        { DeviceName: "/dev/sdb", VirtualName: "ephemeral0" },
      ],
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: "subnet-1", Groups: ["sg-3"], AssociatePublicIpAddress: true }],
      MetadataOptions: { HttpTokens: "required", HttpPutResponseHopLimit: 2 },
    };
    await client.send(new RunInstancesCommand(input));
    const parsed = ec2Codec.parseRequest(lastRequest(capture), model);
    assert.equal(parsed.operation, "RunInstances");
    assert.deepEqual(parsed.input, input);
  });

  it("parses DescribeInstances filters, ids and paging", async () => {
    const { capture, client } = setup();
    const input = {
      InstanceIds: ["i-1", "i-2"],
      Filters: [
        { Name: "tag:Name", Values: ["web", "db server"] },
        { Name: "instance-state-name", Values: ["running"] },
      ],
      MaxResults: 50,
      NextToken: "abc==",
    };
    await client.send(new DescribeInstancesCommand(input));
    assert.deepEqual(ec2Codec.parseRequest(lastRequest(capture), model), { operation: "DescribeInstances", input });
  });

  it("keeps list order past nine items and omits empty lists", async () => {
    const { capture, client } = setup();
    const ids = Array.from({ length: 120 }, (_, i) => `i-${i}`);
    await client.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    assert.deepEqual(ec2Codec.parseRequest(lastRequest(capture), model).input, { InstanceIds: ids });
    await client.send(new DescribeInstancesCommand({ Filters: [] }));
    assert.deepEqual(ec2Codec.parseRequest(lastRequest(capture), model).input, {});
  });

  it("decodes blobs and timestamps", async () => {
    const { capture, client } = setup();
    const material = new Uint8Array([115, 115, 104, 45, 0, 255, 10]);
    await client.send(new ImportKeyPairCommand({ KeyName: "k", PublicKeyMaterial: material }));
    assert.deepEqual(ec2Codec.parseRequest(lastRequest(capture), model).input, { KeyName: "k", PublicKeyMaterial: material });
    const start = new Date("2024-05-06T07:08:09.123Z");
    await client.send(new DescribeSpotPriceHistoryCommand({ StartTime: start, EndTime: new Date("2024-05-07T00:00:00Z") }));
    assert.deepEqual(ec2Codec.parseRequest(lastRequest(capture), model).input, {
      StartTime: start,
      EndTime: new Date("2024-05-07T00:00:00Z"),
    });
  });

  it("accepts botocore's '+' for spaces and GET query strings", () => {
    const parsed = ec2Codec.parseRequest(
      form("Action=CreateTags&Version=2016-11-15&ResourceId.1=i-1&Tag.1.Key=Name&Tag.1.Value=web+server%2Bplus"),
      model,
    );
    assert.deepEqual(parsed, {
      operation: "CreateTags",
      input: { Resources: ["i-1"], Tags: [{ Key: "Name", Value: "web server+plus" }] },
    });
    const viaGet = ec2Codec.parseRequest(form("", "Action=DescribeRegions&Version=2016-11-15&RegionName.1=us-east-1&AllRegions=true"), model);
    assert.deepEqual(viaGet, { operation: "DescribeRegions", input: { RegionNames: ["us-east-1"], AllRegions: true } });
  });

  it("ignores unknown keys", () => {
    const parsed = ec2Codec.parseRequest(form("Action=DescribeVpcs&Version=2016-11-15&Bogus=1&VpcId.1=vpc-1&VpcId.x=no"), model);
    assert.deepEqual(parsed.input, { VpcIds: ["vpc-1"] });
  });
});

describe("ec2 codec: malformed requests", () => {
  const codeOf = (body: string): string => {
    try {
      ec2Codec.parseRequest(form(body), model);
    } catch (error) {
      assert.ok(error instanceof AwsError);
      return error.code;
    }
    return "no error";
  };
  it("rejects unknown and missing actions", () => {
    assert.equal(codeOf("Action=LaunchRockets&Version=2016-11-15"), "InvalidAction");
    assert.equal(codeOf("Version=2016-11-15"), "InvalidAction");
    assert.equal(codeOf("Action=constructor"), "InvalidAction");
  });
  it("rejects bad percent-encoding", () => {
    assert.equal(codeOf("Action=DescribeVpcs&VpcId.1=%ZZ"), "MalformedInput");
    assert.equal(codeOf("Action=DescribeVpcs&VpcId.1=%E0%A4"), "MalformedInput");
  });
  it("rejects values of the wrong type", () => {
    assert.equal(codeOf("Action=DescribeInstances&MaxResults=ten"), "InvalidParameterValue");
    assert.equal(codeOf("Action=DescribeInstances&MaxResults=0x10"), "InvalidParameterValue");
    assert.equal(codeOf("Action=DescribeInstances&DryRun=yes"), "InvalidParameterValue");
    assert.equal(codeOf("Action=DescribeSpotPriceHistory&StartTime=yesterday"), "InvalidParameterValue");
    assert.equal(codeOf("Action=ImportKeyPair&KeyName=k&PublicKeyMaterial=***"), "InvalidParameterValue");
  });
});

describe("ec2 codec: responses the SDK reads", () => {
  it("round-trips DescribeInstances with nested sets, timestamps and escaping", async () => {
    const { capture, client } = setup();
    const output = {
      Reservations: [
        {
          ReservationId: "r-1",
          OwnerId: "123456789012",
          Groups: [],
          Instances: [
            {
              InstanceId: "i-1",
              ImageId: "ami-1",
              InstanceType: "t3.micro",
              LaunchTime: new Date("2024-01-02T03:04:05.000Z"),
              State: { Code: 16, Name: "running" },
              Placement: { AvailabilityZone: "us-east-1a", Tenancy: "default" },
              EbsOptimized: false,
              AmiLaunchIndex: 0,
              Tags: [
                { Key: "Name", Value: "web <server> & \"friends\"" },
                { Key: "note", Value: "line1\nline2\r\nü 🚀" },
              ],
              SecurityGroups: [{ GroupId: "sg-1", GroupName: "default" }],
              BlockDeviceMappings: [
                { DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-1", Status: "attached", DeleteOnTermination: true, AttachTime: new Date("2024-01-02T03:04:06.500Z") } },
              ],
              CpuOptions: { CoreCount: 1, ThreadsPerCore: 2 },
            },
          ],
        },
      ],
      NextToken: "next",
    };
    capture.respond = () => ec2Codec.serializeResponse(model, "DescribeInstances", output, "req-1");
    const result: DescribeInstancesCommandOutput = await client.send(new DescribeInstancesCommand({}));
    assert.deepEqual(withoutMetadata(result), withEmptyLists(model, "DescribeInstancesResult", output));
  });

  it("accepts timestamps as ISO strings and epoch milliseconds", async () => {
    const { capture, client } = setup();
    const output = {
      Reservations: [{ ReservationId: "r-1", Instances: [{ InstanceId: "i-1", LaunchTime: "2024-01-02T03:04:05Z", UsageOperationUpdateTime: 1704164645000 }] }],
    };
    capture.respond = () => ec2Codec.serializeResponse(model, "DescribeInstances", output, "req-1");
    const result = await client.send(new DescribeInstancesCommand({}));
    const instance = result.Reservations?.[0]?.Instances?.[0];
    assert.deepEqual(instance?.LaunchTime, new Date("2024-01-02T03:04:05Z"));
    assert.deepEqual(instance?.UsageOperationUpdateTime, new Date(1704164645000));
  });

  it("writes the EC2 envelope", () => {
    const response = ec2Codec.serializeResponse(model, "CreateTags", {}, "req-9");
    assert.equal(response.status, 200);
    assert.match(String(response.headers["content-type"]), /^text\/xml/);
    // The gateway copies this header so the header id and the body's <requestId> agree.
    assert.equal(response.headers["x-amzn-requestid"], "req-9");
    assert.ok(Buffer.isBuffer(response.body));
    assert.equal(
      String(response.body),
      '<?xml version="1.0" encoding="UTF-8"?>\n<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-9</requestId><return>true</return></CreateTagsResponse>',
    );
  });

  it("answers operations without output", async () => {
    const { capture, client } = setup();
    capture.respond = () => ec2Codec.serializeResponse(model, "CreateTags", {}, "req-1");
    const result = await client.send(new CreateTagsCommand({ Resources: ["i-1"], Tags: [] }));
    assert.deepEqual(withoutMetadata(result), {});
  });
});

describe("ec2 codec: errors the SDK reads", () => {
  const expectError = async (error: AwsError, name: string, status: number): Promise<void> => {
    const { capture, client } = setup();
    capture.respond = () => ec2Codec.serializeError(model, "DescribeInstances", error, "req-1");
    await assert.rejects(client.send(new DescribeInstancesCommand({})), (thrown: unknown) => {
      assert.ok(thrown instanceof Error);
      const details = thrown as Error & { $metadata: { httpStatusCode?: number } };
      assert.equal(details.name, name);
      assert.equal(details.message, error.message);
      assert.equal(details.$metadata.httpStatusCode, status);
      return true;
    });
  };
  it("uses AWS's code strings and the handler's status", async () => {
    await expectError(new AwsError("InvalidInstanceID.NotFound", "The instance ID 'i-1' does not exist"), "InvalidInstanceID.NotFound", 400);
    await expectError(
      new AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", { status: 412 }),
      "DryRunOperation",
      412,
    );
    await expectError(new AwsError("Unsupported", "a <b> & \"c\""), "Unsupported", 400);
  });
  it("writes the <Response><Errors> envelope", () => {
    const response = ec2Codec.serializeError(model, undefined, new AwsError("InternalError", "boom", { server: true }), "r-1");
    assert.equal(response.status, 500);
    assert.match(String(response.body), /<Response><Errors><Error><Code>InternalError<\/Code><Message>boom<\/Message><\/Error><\/Errors><RequestID>r-1<\/RequestID><\/Response>$/);
  });
});
