/** The awsQuery codec against the real IAM, STS and (query-mode) CloudWatch SDK clients. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { AwsQueryProtocol } from "@aws-sdk/core/protocols";
import {
  CloudWatchClient,
  DeleteDashboardsCommand,
  GetMetricStatisticsCommand,
  PutDashboardCommand,
  PutMetricDataCommand,
} from "@aws-sdk/client-cloudwatch";
import type { PutMetricDataCommandInput } from "@aws-sdk/client-cloudwatch";
import {
  AcquireRoleCommand,
  CreateRoleCommand,
  GetAccountSummaryCommand,
  GetRoleCommand,
  IAMClient,
  ListRolesCommand,
  PutAccountPropertiesCommand,
  PutRolePolicyCommand,
  TagRoleCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { HttpRequest } from "../../src/protocol/http-types.ts";
import { ModelRegistry } from "../../src/protocol/model-registry.ts";
import type { LoadedModel } from "../../src/protocol/model-registry.ts";
import { queryCodec } from "../../src/protocol/query-codec.ts";
import { AwsError } from "../../src/shared/aws-error.ts";
import { clientConfig, createTransport, lastRequest, withoutMetadata } from "./sdk-harness.ts";

const registry = new ModelRegistry();
const iam = registry.get("iam");
const sts = registry.get("sts");
const cloudwatch = registry.get("cloudwatch");

function iamSetup() {
  const capture = createTransport(queryCodec, iam);
  return { capture, client: new IAMClient(clientConfig(capture)) };
}

/** CloudWatch's SDK speaks awsJson1_0; given the query protocol class it speaks what AWS CLI 2.9 sends. */
function cloudwatchSetup() {
  const capture = createTransport(queryCodec, cloudwatch);
  return { capture, client: new CloudWatchClient({ ...clientConfig(capture), protocol: AwsQueryProtocol }) };
}

const form = (body: string, rawQuery = ""): HttpRequest => ({
  method: body === "" ? "GET" : "POST",
  path: "/",
  rawQuery,
  headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
  body: Buffer.from(body),
});

const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringLike: { "a+b": "c d&e=%" } } }],
});

describe("awsQuery codec: requests the SDKs send", () => {
  it("parses IAM CreateRole, PutRolePolicy and ListRoles", async () => {
    const { capture, client } = iamSetup();
    const createRole = {
      RoleName: "app-role",
      AssumeRolePolicyDocument: policy,
      Path: "/service/",
      Description: "Rôle ünïcode\nsecond line",
      MaxSessionDuration: 3600,
      PermissionsBoundary: "arn:aws:iam::123456789012:policy/boundary",
      Tags: [{ Key: "team", Value: "a b" }, { Key: "cost+center", Value: "" }],
    };
    await client.send(new CreateRoleCommand(createRole));
    assert.deepEqual(queryCodec.parseRequest(lastRequest(capture), iam), { operation: "CreateRole", input: createRole });

    const putPolicy = { RoleName: "app-role", PolicyName: "inline", PolicyDocument: policy };
    await client.send(new PutRolePolicyCommand(putPolicy));
    assert.deepEqual(queryCodec.parseRequest(lastRequest(capture), iam), { operation: "PutRolePolicy", input: putPolicy });

    await client.send(new ListRolesCommand({ PathPrefix: "/", Marker: "m==", MaxItems: 10 }));
    assert.deepEqual(queryCodec.parseRequest(lastRequest(capture), iam).input, { PathPrefix: "/", Marker: "m==", MaxItems: 10 });
  });

  it("parses an empty list sent as `Key=`", async () => {
    const { capture, client } = iamSetup();
    await client.send(new TagRoleCommand({ RoleName: "r", Tags: [] }));
    assert.match(lastRequest(capture).body.toString(), /&Tags=(&|$)/);
    assert.deepEqual(queryCodec.parseRequest(lastRequest(capture), iam).input, { RoleName: "r", Tags: [] });
  });

  it("parses maps, including maps of structures", async () => {
    const { capture, client } = iamSetup();
    const properties = { PutAccountPropertiesProperty: "x", "key with space": "v&=" };
    await client.send(new PutAccountPropertiesCommand({ Properties: properties }));
    assert.deepEqual(queryCodec.parseRequest(lastRequest(capture), iam).input, { Properties: properties });
    const acquire = { RoleName: "r", TemplateArn: "arn:aws:iam::aws:role-template/t", ReplacementValues: { a: { Values: ["1", "x y"] }, b: { Values: [] } } };
    await client.send(new AcquireRoleCommand(acquire));
    const parsed = queryCodec.parseRequest(lastRequest(capture), iam);
    assert.equal(parsed.operation, "AcquireRole");
    assert.deepEqual(parsed.input.ReplacementValues, acquire.ReplacementValues);
  });

  it("parses STS AssumeRole", async () => {
    const capture = createTransport(queryCodec, sts);
    const client = new STSClient(clientConfig(capture));
    const input = {
      RoleArn: "arn:aws:iam::123456789012:role/app-role",
      RoleSessionName: "session@1",
      PolicyArns: [{ arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }, { arn: "arn:aws:iam::aws:policy/Other" }],
      Policy: policy,
      DurationSeconds: 900,
      Tags: [{ Key: "project", Value: "stratus" }],
      TransitiveTagKeys: ["project"],
      ExternalId: "ext",
      SourceIdentity: "me",
      ProvidedContexts: [{ ProviderArn: "arn:aws:iam::aws:contextProvider/IdentityCenter", ContextAssertion: "abc" }],
    };
    await client.send(new AssumeRoleCommand(input));
    assert.deepEqual(queryCodec.parseRequest(lastRequest(capture), sts), { operation: "AssumeRole", input });
  });

  it("parses CloudWatch PutMetricData from the SDK in query mode", async () => {
    const { capture, client } = cloudwatchSetup();
    const input: PutMetricDataCommandInput = {
      Namespace: "MyApp/Web",
      MetricData: [
        {
          MetricName: "Latency",
          Dimensions: [{ Name: "Host", Value: "web-1" }, { Name: "Stage", Value: "prod" }],
          Timestamp: new Date("2024-03-04T05:06:07.890Z"),
          Values: [1, 2.5, 1e-7],
          Counts: [3, 4, 5],
          Unit: "Milliseconds",
          StorageResolution: 1,
        },
        { MetricName: "Errors", Value: 0, StatisticValues: { SampleCount: 2, Sum: 3, Minimum: -1.5, Maximum: 4.5 } },
      ],
    };
    await client.send(new PutMetricDataCommand(input));
    assert.match(lastRequest(capture).body.toString(), /^Action=PutMetricData&Version=2010-08-01&/);
    assert.deepEqual(queryCodec.parseRequest(lastRequest(capture), cloudwatch), { operation: "PutMetricData", input });
  });

  it("parses an AWS CLI v2 style PutMetricData body (botocore encoding)", () => {
    const body =
      "Action=PutMetricData&Version=2010-08-01&Namespace=My+App&MetricData.member.1.MetricName=Queue+Depth" +
      "&MetricData.member.1.Dimensions.member.1.Name=Queue&MetricData.member.1.Dimensions.member.1.Value=jobs%2Fhigh" +
      "&MetricData.member.1.Timestamp=2024-03-04T05%3A06%3A07Z&MetricData.member.1.Value=12.5&MetricData.member.1.Unit=Count";
    assert.deepEqual(queryCodec.parseRequest(form(body), cloudwatch), {
      operation: "PutMetricData",
      input: {
        Namespace: "My App",
        MetricData: [
          { MetricName: "Queue Depth", Dimensions: [{ Name: "Queue", Value: "jobs/high" }], Timestamp: new Date("2024-03-04T05:06:07Z"), Value: 12.5, Unit: "Count" },
        ],
      },
    });
  });

  it("accepts `Key.N` lists, GET query strings, and ignores unknown keys", () => {
    const parsed = queryCodec.parseRequest(form("", "Action=ListRoleTags&Version=2010-05-08&RoleName=r&Unknown.member.1=x"), iam);
    assert.deepEqual(parsed, { operation: "ListRoleTags", input: { RoleName: "r" } });
    const tags = queryCodec.parseRequest(form("Action=TagRole&RoleName=r&Tags.2.Key=b&Tags.2.Value=2&Tags.1.Key=a&Tags.1.Value=1"), iam);
    assert.deepEqual(tags.input, { RoleName: "r", Tags: [{ Key: "a", Value: "1" }, { Key: "b", Value: "2" }] });
  });
});

describe("awsQuery codec: malformed requests", () => {
  const codeOf = (model: LoadedModel, body: string): string => {
    try {
      queryCodec.parseRequest(form(body), model);
    } catch (error) {
      assert.ok(error instanceof AwsError);
      return error.code;
    }
    return "no error";
  };
  it("rejects unknown actions, bad encoding and wrongly typed values", () => {
    assert.equal(codeOf(iam, "Action=CreateUniverse&Version=2010-05-08"), "InvalidAction");
    assert.equal(codeOf(iam, "Version=2010-05-08"), "InvalidAction");
    assert.equal(codeOf(iam, "Action=ListRoles&Marker=%"), "MalformedInput");
    assert.equal(codeOf(iam, "Action=ListRoles&MaxItems=many"), "MalformedInput");
    assert.equal(codeOf(sts, "Action=GetSessionToken&DurationSeconds=1.5e"), "MalformedInput");
    assert.equal(codeOf(cloudwatch, "Action=PutMetricData&Namespace=n&MetricData.member.1.Timestamp=later"), "MalformedInput");
    assert.equal(codeOf(cloudwatch, "Action=PutMetricData&Namespace=n&StrictEntityValidation=1"), "MalformedInput");
  });
});

describe("awsQuery codec: responses the SDKs read", () => {
  const role = {
    Path: "/service/",
    RoleName: "app-role",
    RoleId: "AROA123",
    Arn: "arn:aws:iam::123456789012:role/service/app-role",
    CreateDate: new Date("2024-01-02T03:04:05Z"),
    AssumeRolePolicyDocument: encodeURIComponent(policy),
    Description: "<desc> & \"quotes\" ü\r\n",
    MaxSessionDuration: 3600,
    PermissionsBoundary: { PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: "arn:aws:iam::123456789012:policy/b" },
    Tags: [{ Key: "team", Value: "core" }],
    RoleLastUsed: { LastUsedDate: new Date("2024-02-03T04:05:06.789Z"), Region: "us-east-1" },
  };

  it("round-trips IAM CreateRole, GetRole and ListRoles", async () => {
    const { capture, client } = iamSetup();
    capture.respond = () => queryCodec.serializeResponse(iam, "CreateRole", { Role: role }, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new CreateRoleCommand({ RoleName: "x", AssumeRolePolicyDocument: "{}" }))), { Role: role });
    capture.respond = () => queryCodec.serializeResponse(iam, "GetRole", { Role: { ...role, CreateDate: "2024-01-02T03:04:05Z" } }, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new GetRoleCommand({ RoleName: "x" }))), { Role: role });
    capture.respond = () =>
      queryCodec.serializeResponse(iam, "ListRoles", { Roles: [role, { ...role, RoleName: "second", Tags: [] }], IsTruncated: true, Marker: "next" }, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new ListRolesCommand({}))), {
      Roles: [role, { ...role, RoleName: "second", Tags: [] }],
      IsTruncated: true,
      Marker: "next",
    });
    capture.respond = () => queryCodec.serializeResponse(iam, "ListRoles", { Roles: [], IsTruncated: false }, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new ListRolesCommand({}))), { Roles: [], IsTruncated: false });
  });

  it("writes maps as entry/key/value", async () => {
    const { capture, client } = iamSetup();
    const summary = { SummaryMap: { Users: 3, Roles: 12, AccountMFAEnabled: 0 } };
    capture.respond = () => queryCodec.serializeResponse(iam, "GetAccountSummary", summary, "req-1");
    assert.deepEqual(withoutMetadata(await client.send(new GetAccountSummaryCommand({}))), summary);
  });

  it("answers operations without output with ResponseMetadata only", async () => {
    const { capture, client } = iamSetup();
    const response = queryCodec.serializeResponse(iam, "PutRolePolicy", {}, "req-7");
    assert.equal(
      response.body,
      '<PutRolePolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>req-7</RequestId></ResponseMetadata></PutRolePolicyResponse>',
    );
    assert.match(String(response.headers["content-type"]), /^text\/xml/);
    capture.respond = () => response;
    assert.deepEqual(withoutMetadata(await client.send(new PutRolePolicyCommand({ RoleName: "r", PolicyName: "p", PolicyDocument: "{}" }))), {});
  });

  it("round-trips STS AssumeRole", async () => {
    const capture = createTransport();
    const client = new STSClient(clientConfig(capture));
    const output = {
      Credentials: { AccessKeyId: "ASIA1", SecretAccessKey: "s+/=", SessionToken: "tok", Expiration: new Date("2030-01-01T00:00:00Z") },
      AssumedRoleUser: { AssumedRoleId: "AROA1:session", Arn: "arn:aws:sts::123456789012:assumed-role/app-role/session" },
      PackedPolicySize: 6,
      SourceIdentity: "me",
    };
    capture.respond = () => queryCodec.serializeResponse(sts, "AssumeRole", output, "req-1");
    const result = await client.send(new AssumeRoleCommand({ RoleArn: "arn", RoleSessionName: "s" }));
    assert.deepEqual(withoutMetadata(result), output);
  });

  it("round-trips CloudWatch GetMetricStatistics in query mode", async () => {
    const { capture, client } = cloudwatchSetup();
    const output = {
      Label: "Latency",
      Datapoints: [
        { Timestamp: new Date("2024-03-04T05:00:00Z"), SampleCount: 3, Average: 1.5, Maximum: 2, Unit: "Milliseconds", ExtendedStatistics: { p99: 1.99, "p99.9": 2 } },
        { Timestamp: new Date("2024-03-04T05:01:00Z"), Sum: 0, Minimum: -0.25 },
      ],
    };
    capture.respond = () => queryCodec.serializeResponse(cloudwatch, "GetMetricStatistics", output, "req-1");
    const result = await client.send(
      new GetMetricStatisticsCommand({ Namespace: "n", MetricName: "m", StartTime: new Date(0), EndTime: new Date(), Period: 60 }),
    );
    assert.deepEqual(withoutMetadata(result), output);
    const empty = await client.send(new DeleteDashboardsCommand({ DashboardNames: ["a"] }));
    assert.deepEqual(withoutMetadata(empty), {});
  });
});

describe("awsQuery codec: errors the SDKs read", () => {
  const rejectsWith = async (promise: Promise<unknown>, name: string, status: number, message: string): Promise<Record<string, unknown>> => {
    let caught: unknown;
    await assert.rejects(promise, (error: unknown) => {
      caught = error;
      return true;
    });
    assert.ok(caught instanceof Error);
    const details = caught as Error & { $metadata: { httpStatusCode?: number }; [key: string]: unknown };
    assert.equal(details.name, name);
    assert.equal(details.message, message);
    assert.equal(details.$metadata.httpStatusCode, status);
    return details;
  };

  it("maps modelled errors to their awsQuery code and status", async () => {
    const { capture, client } = iamSetup();
    for (const code of ["NoSuchEntity", "NoSuchEntityException"]) {
      const response = queryCodec.serializeError(iam, "GetRole", new AwsError(code, "The role with name x cannot be found."), "req-1");
      assert.equal(response.status, 404);
      assert.match(String(response.body), /<Type>Sender<\/Type><Code>NoSuchEntity<\/Code>/);
      capture.respond = () => response;
      await rejectsWith(client.send(new GetRoleCommand({ RoleName: "x" })), "NoSuchEntityException", 404, "The role with name x cannot be found.");
    }
    capture.respond = () => queryCodec.serializeError(iam, "CreateRole", new AwsError("EntityAlreadyExists", "Role with name x already exists."), "r");
    await rejectsWith(client.send(new CreateRoleCommand({ RoleName: "x", AssumeRolePolicyDocument: "{}" })), "EntityAlreadyExistsException", 409, "Role with name x already exists.");
    const failure = queryCodec.serializeError(iam, "GetRole", new AwsError("ServiceFailure", "oops"), "r");
    assert.equal(failure.status, 500);
    assert.match(String(failure.body), /<Type>Receiver<\/Type><Code>ServiceFailure<\/Code>/);
    capture.respond = () => failure;
    await rejectsWith(client.send(new GetRoleCommand({ RoleName: "x" })), "ServiceFailureException", 500, "oops");
  });

  it("passes unmodelled codes through with the given or default status", async () => {
    const { capture, client } = iamSetup();
    capture.respond = () => queryCodec.serializeError(iam, undefined, new AwsError("InvalidAction", "bad <action> & more"), "r");
    await rejectsWith(client.send(new GetRoleCommand({ RoleName: "x" })), "InvalidAction", 400, "bad <action> & more");
    capture.respond = () => queryCodec.serializeError(iam, "GetRole", new AwsError("NotImplemented", "later", { status: 501 }), "r");
    await rejectsWith(client.send(new GetRoleCommand({ RoleName: "x" })), "NotImplemented", 501, "later");
    const throttled = queryCodec.serializeError(sts, "AssumeRole", new AwsError("Throttling", "Rate exceeded"), "req-3");
    assert.equal(
      throttled.body,
      '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>req-3</RequestId></ErrorResponse>',
    );
  });

  it("includes modelled error fields (CloudWatch in query mode)", async () => {
    const { capture, client } = cloudwatchSetup();
    capture.respond = () =>
      queryCodec.serializeError(
        cloudwatch,
        "PutDashboard",
        new AwsError("InvalidParameterInput", "The dashboard body is invalid", {
          fields: { dashboardValidationMessages: [{ DataPath: "/widgets/0", Message: "Should be an object" }] },
        }),
        "r",
      );
    const error = await rejectsWith(
      client.send(new PutDashboardCommand({ DashboardName: "d", DashboardBody: "[]" })),
      "DashboardInvalidInputError",
      400,
      "The dashboard body is invalid",
    );
    assert.deepEqual(error.dashboardValidationMessages, [{ DataPath: "/widgets/0", Message: "Should be an object" }]);
    capture.respond = () =>
      queryCodec.serializeError(cloudwatch, "PutDashboard", new AwsError("ResourceNotFoundException", "nope", { fields: { ResourceType: "Alarm", ResourceId: "a1" } }), "r");
    const notFound = await rejectsWith(client.send(new PutDashboardCommand({ DashboardName: "d", DashboardBody: "{}" })), "ResourceNotFoundException", 404, "nope");
    assert.equal(notFound.ResourceType, "Alarm");
    assert.equal(notFound.ResourceId, "a1");
  });
});
