/** The awsJson1.0/1.1 codecs against the real ECS, CloudWatch, CloudWatch Logs and ECR SDK clients. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricStatisticsCommand,
  GetMetricWidgetImageCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from "@aws-sdk/client-cloudwatch";
import { CloudWatchLogsClient, GetLogEventsCommand, PutLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { ECRClient, UploadLayerPartCommand } from "@aws-sdk/client-ecr";
import {
  CreateServiceCommand,
  DescribeClustersCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from "@aws-sdk/client-ecs";
import type { HttpRequest } from "../../src/protocol/http-types.ts";
import { awsJson1_0Codec, awsJson1_1Codec } from "../../src/protocol/json-codec.ts";
import { ModelRegistry } from "../../src/protocol/model-registry.ts";
import { AwsError, internalFailure } from "../../src/shared/aws-error.ts";
import { sdkFailure } from "../support/assertions.ts";
import { answerWith, clientConfig, createTransport, lastRequest, withoutMetadata } from "./sdk-harness.ts";

const registry = new ModelRegistry();
const ecs = registry.get("ecs");
const cloudwatch = registry.get("cloudwatch");
const logs = registry.get("cloudwatch-logs");
const ecr = registry.get("ecr");
const lightsail = registry.get("lightsail");

const ecsSetup = () => {
  const transport = createTransport(awsJson1_1Codec, ecs);
  return { transport, client: new ECSClient(clientConfig(transport)) };
};
const cloudwatchSetup = () => {
  const transport = createTransport(awsJson1_0Codec, cloudwatch);
  return { transport, client: new CloudWatchClient(clientConfig(transport)) };
};
const logsSetup = () => {
  const transport = createTransport(awsJson1_1Codec, logs);
  return { transport, client: new CloudWatchLogsClient(clientConfig(transport)) };
};

const jsonRequest = (target: string, body: string): HttpRequest => ({
  method: "POST",
  path: "/",
  rawQuery: "",
  headers: { "x-amz-target": target, "content-type": "application/x-amz-json-1.1" },
  body: Buffer.from(body),
});

const registerTaskDefinition = {
  family: "web",
  networkMode: "awsvpc" as const,
  requiresCompatibilities: ["FARGATE" as const],
  cpu: "256",
  memory: "512",
  containerDefinitions: [
    {
      name: "app",
      image: "nginx:1.27",
      essential: true,
      memory: 256,
      command: ["nginx", "-g", "daemon off;"],
      portMappings: [
        { containerPort: 80, hostPort: 80, protocol: "tcp" as const },
        { containerPort: 443, protocol: "tcp" as const },
      ],
      environment: [{ name: "MODE", value: "prod ünïcode \"quoted\"" }],
      logConfiguration: { logDriver: "awslogs" as const, options: { "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1" } },
      healthCheck: { command: ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], interval: 30, retries: 3 },
      dependsOn: [{ containerName: "sidecar", condition: "START" as const }],
    },
    { name: "sidecar", image: "busybox", essential: false, cpu: 0, entryPoint: [], mountPoints: [] },
  ],
  volumes: [{ name: "data", efsVolumeConfiguration: { fileSystemId: "fs-1", rootDirectory: "/" } }],
  tags: [{ key: "team", value: "a" }],
};

describe("awsJson codec: requests the SDKs send", () => {
  it("parses ECS RegisterTaskDefinition with nested lists and maps", async () => {
    const { transport, client } = ecsSetup();
    await client.send(new RegisterTaskDefinitionCommand(registerTaskDefinition));
    const request = lastRequest(transport);
    assert.equal(request.headers["x-amz-target"], "AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition");
    const parsed = awsJson1_1Codec.parseRequest(request, ecs);
    assert.equal(parsed.operation, "RegisterTaskDefinition");
    assert.deepEqual(parsed.input, registerTaskDefinition);
  });

  it("keeps SDK-filled idempotency tokens (ECS RunTask clientToken)", async () => {
    const { transport, client } = ecsSetup();
    const input = { cluster: "default", taskDefinition: "web:1", count: 2, overrides: { containerOverrides: [{ name: "app", command: ["a"] }] } };
    await client.send(new RunTaskCommand(input));
    const parsed = awsJson1_1Codec.parseRequest(lastRequest(transport), ecs);
    const { clientToken, ...rest } = parsed.input;
    assert.equal(typeof clientToken, "string");
    assert.deepEqual(rest, input);
  });

  it("parses CloudWatch PutMetricData over awsJson1.0 with fractional epoch timestamps", async () => {
    const { transport, client } = cloudwatchSetup();
    const input = {
      Namespace: "App/Web",
      MetricData: [
        {
          MetricName: "Latency",
          Dimensions: [{ Name: "Host", Value: "a" }],
          Timestamp: new Date(1_700_000_000_123),
          Value: 12.5,
          Unit: "Milliseconds" as const,
        },
        { MetricName: "Hits", Timestamp: new Date(1_700_000_001_999), Values: [1, 2.25, 3], Counts: [10, 1, 1], StorageResolution: 1 },
        { MetricName: "Stat", StatisticValues: { SampleCount: 3, Sum: 6, Minimum: 1, Maximum: 3 } },
      ],
    };
    await client.send(new PutMetricDataCommand(input));
    const request = lastRequest(transport);
    assert.equal(request.headers["content-type"], "application/x-amz-json-1.0");
    assert.equal(request.headers["x-amzn-query-mode"], "true");
    const parsed = awsJson1_0Codec.parseRequest(request, cloudwatch);
    assert.equal(parsed.operation, "PutMetricData");
    assert.deepEqual(parsed.input, input);
  });

  it("parses Logs PutLogEvents (long timestamps stay numbers)", async () => {
    const { transport, client } = logsSetup();
    const input = {
      logGroupName: "/aws/lambda/f",
      logStreamName: "2026/01/01/[$LATEST]abc",
      logEvents: [
        { timestamp: 1_700_000_000_000, message: "START RequestId: 1" },
        { timestamp: 1_700_000_000_005, message: "line with\nnewline and \u2603" },
      ],
    };
    await client.send(new PutLogEventsCommand(input));
    const parsed = awsJson1_1Codec.parseRequest(lastRequest(transport), logs);
    assert.equal(parsed.operation, "PutLogEvents");
    assert.deepEqual(parsed.input, input);
  });

  it("decodes base64 blobs (ECR UploadLayerPart)", async () => {
    const transport = createTransport(awsJson1_1Codec, ecr);
    const client = new ECRClient(clientConfig(transport));
    const input = { repositoryName: "app", uploadId: "u-1", partFirstByte: 0, partLastByte: 3, layerPartBlob: new Uint8Array([0, 255, 1, 128]) };
    await client.send(new UploadLayerPartCommand(input));
    const parsed = awsJson1_1Codec.parseRequest(lastRequest(transport), ecr);
    assert.deepEqual(parsed.input, input);
  });

  it("passes documents through and reads unions (ECS hookDetails, CloudWatch EvaluationCriteria)", async () => {
    const { transport, client } = ecsSetup();
    const hookDetails = { nested: { list: [1, "two", null, true] }, n: 1.5 };
    const service = {
      serviceName: "web",
      deploymentConfiguration: { lifecycleHooks: [{ hookTargetArn: "arn:aws:lambda:us-east-1:0:function:hook", lifecycleStages: ["PRE_SCALE_UP" as const], hookDetails }] },
    };
    await client.send(new CreateServiceCommand(service));
    const parsed = awsJson1_1Codec.parseRequest(lastRequest(transport), ecs);
    const { clientToken: _token, ...rest } = parsed.input;
    assert.deepEqual(rest, service);

    const cw = cloudwatchSetup();
    const alarm = {
      AlarmName: "prom",
      EvaluationCriteria: { PromQLCriteria: { Query: "up == 0", PendingPeriod: 60 } },
      EvaluationWindow: { SlidingWindow: {} },
    };
    await cw.client.send(new PutMetricAlarmCommand(alarm));
    assert.deepEqual(awsJson1_0Codec.parseRequest(lastRequest(cw.transport), cloudwatch).input, alarm);

    const output = { MetricAlarms: [{ AlarmName: "prom", EvaluationCriteria: { PromQLCriteria: { Query: "up" } }, EvaluationWindow: { WallClockWindow: { Timezone: "UTC" } } }] };
    answerWith(cw.transport, awsJson1_0Codec, cloudwatch, output);
    assert.deepEqual(withoutMetadata(await cw.client.send(new DescribeAlarmsCommand({}))), output);
  });

  it("accepts whole-second epochs (botocore), ISO strings and an empty body", () => {
    const body = JSON.stringify({ Namespace: "N", MetricData: [{ MetricName: "a", Timestamp: 1700000000 }, { MetricName: "b", Timestamp: "2023-11-14T22:13:20.5Z" }] });
    const parsed = awsJson1_0Codec.parseRequest(jsonRequest("GraniteServiceVersion20100801.PutMetricData", body), cloudwatch);
    assert.deepEqual(parsed.input, {
      Namespace: "N",
      MetricData: [
        { MetricName: "a", Timestamp: new Date(1_700_000_000_000) },
        { MetricName: "b", Timestamp: new Date(1_700_000_000_500) },
      ],
    });
    const empty = awsJson1_1Codec.parseRequest(jsonRequest("AmazonEC2ContainerServiceV20141113.ListClusters", ""), ecs);
    assert.deepEqual(empty, { operation: "ListClusters", input: {} });
  });

  it("ignores unknown members, nulls and the HTTP traits Lightsail models", () => {
    const parsed = awsJson1_1Codec.parseRequest(
      jsonRequest("AmazonEC2ContainerServiceV20141113.DescribeClusters", '{"clusters":["a"],"include":null,"Bogus":1,"__proto__":{"x":1}}'),
      ecs,
    );
    assert.deepEqual(parsed.input, { clusters: ["a"] });
    assert.equal(Object.getPrototypeOf(parsed.input), Object.prototype);
    // DeleteAlarm models alarmName as a URI label; in awsJson it is an ordinary body member.
    const alarm = awsJson1_1Codec.parseRequest(jsonRequest("Lightsail_20161128.DeleteAlarm", '{"alarmName":"cpu"}'), lightsail);
    assert.deepEqual(alarm, { operation: "DeleteAlarm", input: { alarmName: "cpu" } });
  });

  it("keeps __proto__ map keys as data", () => {
    const parsed = awsJson1_1Codec.parseRequest(
      jsonRequest("AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition", '{"family":"f","containerDefinitions":[{"name":"a","dockerLabels":{"__proto__":"v","k":"w"}}]}'),
      ecs,
    );
    const labels = (parsed.input.containerDefinitions as Array<{ dockerLabels: Record<string, string> }>)[0]?.dockerLabels;
    assert.ok(labels);
    assert.equal(Object.getPrototypeOf(labels), Object.prototype);
    assert.deepEqual(Object.entries(labels), [["__proto__", "v"], ["k", "w"]]);
  });
});

describe("awsJson codec: malformed requests", () => {
  const code = (run: () => unknown): { code: string; message: string; status: number | undefined } => {
    try {
      run();
    } catch (error) {
      assert.ok(error instanceof AwsError, String(error));
      return { code: error.code, message: error.message, status: error.status };
    }
    assert.fail("expected an AwsError");
  };

  it("rejects invalid JSON and non-object bodies with SerializationException", () => {
    assert.equal(code(() => awsJson1_1Codec.parseRequest(jsonRequest("AmazonEC2ContainerServiceV20141113.ListClusters", "{nope"), ecs)).code, "SerializationException");
    assert.equal(code(() => awsJson1_1Codec.parseRequest(jsonRequest("AmazonEC2ContainerServiceV20141113.ListClusters", "[1]"), ecs)).code, "SerializationException");
  });

  it("names the member whose value has the wrong type", () => {
    const wrongNumber = code(() =>
      awsJson1_1Codec.parseRequest(
        jsonRequest("AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition", '{"family":"f","containerDefinitions":[{"name":"a"},{"name":"b","memory":"lots"}]}'),
        ecs,
      ),
    );
    assert.equal(wrongNumber.code, "SerializationException");
    assert.match(wrongNumber.message, /containerDefinitions\[1\]\.memory/);
    const cases = [
      '{"clusters":"a"}', // string where a list is modelled
      '{"clusters":[1]}', // number where a string is
      '{"include":{"a":1}}', // object where a list is
      '{"clusters":{"0":"a"}}',
    ];
    for (const body of cases) {
      const result = code(() => awsJson1_1Codec.parseRequest(jsonRequest("AmazonEC2ContainerServiceV20141113.DescribeClusters", body), ecs));
      assert.equal(result.code, "SerializationException", body);
    }
    const badTime = code(() =>
      awsJson1_0Codec.parseRequest(jsonRequest("GraniteServiceVersion20100801.PutMetricData", '{"Namespace":"n","MetricData":[{"MetricName":"m","Timestamp":"yesterday"}]}'), cloudwatch),
    );
    assert.match(badTime.message, /MetricData\[0\]\.Timestamp/);
    const badBool = code(() => awsJson1_1Codec.parseRequest(jsonRequest("AmazonEC2ContainerServiceV20141113.CreateCluster", '{"settings":[],"clusterName":true}'), ecs));
    assert.match(badBool.message, /clusterName/);
  });

  it("answers an unknown or missing target with UnknownOperationException", () => {
    for (const target of ["AmazonEC2ContainerServiceV20141113.Nope", "OtherService.ListClusters", "", "ListClusters"]) {
      const result = code(() => awsJson1_1Codec.parseRequest(jsonRequest(target, "{}"), ecs));
      assert.equal(result.code, "UnknownOperationException", target);
      assert.equal(result.status, 400);
    }
  });
});

describe("awsJson codec: responses the SDKs read", () => {
  it("round-trips ECS DescribeTasks output with nested timestamps", async () => {
    const { transport, client } = ecsSetup();
    const output = {
      tasks: [
        {
          taskArn: "arn:aws:ecs:us-east-1:000000000000:task/default/abc",
          lastStatus: "RUNNING",
          createdAt: new Date(1_700_000_000_250),
          startedAt: new Date(1_700_000_005_000),
          containers: [{ name: "app", exitCode: 0, networkBindings: [{ containerPort: 80, hostPort: 32768, bindIP: "0.0.0.0" }] }],
          attachments: [{ id: "eni", type: "ElasticNetworkInterface", details: [{ name: "subnetId", value: "subnet-1" }] }],
          overrides: { containerOverrides: [{ name: "app", environment: [{ name: "A", value: "1" }] }] },
          tags: [],
          cpu: "256",
        },
      ],
      failures: [{ arn: "arn:x", reason: "MISSING" }],
    };
    answerWith(transport, awsJson1_1Codec, ecs, output);
    const result = await client.send(new DescribeTasksCommand({ tasks: ["abc"] }));
    assert.deepEqual(withoutMetadata(result), output);
  });

  it("writes the protocol's content type, epoch seconds and no nulls", () => {
    const response = awsJson1_1Codec.serializeResponse(
      ecs,
      "DescribeClusters",
      { clusters: [{ clusterName: "a", tags: undefined, statistics: null, registeredContainerInstancesCount: 0 }], extra: "dropped" },
      "rid",
    );
    assert.equal(response.status, 200);
    assert.equal(response.headers["Content-Type"], "application/x-amz-json-1.1");
    assert.equal(response.headers["x-amzn-RequestId"], "rid");
    assert.equal(response.body, '{"clusters":[{"clusterName":"a","registeredContainerInstancesCount":0}]}');
    const metrics = awsJson1_0Codec.serializeResponse(cloudwatch, "GetMetricStatistics", { Datapoints: [{ Timestamp: "2023-11-14T22:13:20.500Z" }] }, "r");
    assert.equal(metrics.headers["Content-Type"], "application/x-amz-json-1.0");
    assert.equal(metrics.body, '{"Datapoints":[{"Timestamp":1700000000.5}]}');
  });

  it("round-trips CloudWatch outputs: timestamps, non-finite numbers, blobs", async () => {
    const { transport, client } = cloudwatchSetup();
    const stats = {
      Label: "Latency",
      Datapoints: [
        { Timestamp: new Date(1_700_000_000_000), Average: 1.5, Sum: 3, SampleCount: 2, Unit: "Seconds" as const },
        { Timestamp: new Date(1_700_000_060_000), Maximum: Number.POSITIVE_INFINITY, ExtendedStatistics: { p99: 9.75 } },
      ],
    };
    answerWith(transport, awsJson1_0Codec, cloudwatch, stats);
    const result = await client.send(new GetMetricStatisticsCommand({ Namespace: "n", MetricName: "m", StartTime: new Date(0), EndTime: new Date(1), Period: 60 }));
    assert.deepEqual(withoutMetadata(result), stats);

    const image = { MetricWidgetImage: new Uint8Array([137, 80, 78, 71, 0, 1]) };
    answerWith(transport, awsJson1_0Codec, cloudwatch, image);
    const png = await client.send(new GetMetricWidgetImageCommand({ MetricWidget: "{}" }));
    assert.deepEqual(withoutMetadata(png), image);

    const alarms = {
      MetricAlarms: [
        {
          AlarmName: "cpu",
          StateUpdatedTimestamp: new Date(1_700_000_000_000),
          Dimensions: [{ Name: "InstanceId", Value: "i-1" }],
          Threshold: 80,
          ActionsEnabled: true,
          AlarmActions: [],
        },
      ],
      CompositeAlarms: [],
      NextToken: "t",
    };
    answerWith(transport, awsJson1_0Codec, cloudwatch, alarms);
    assert.deepEqual(withoutMetadata(await client.send(new DescribeAlarmsCommand({}))), alarms);
  });

  it("round-trips Logs GetLogEvents", async () => {
    const { transport, client } = logsSetup();
    const output = {
      events: [{ timestamp: 1_700_000_000_000, message: "hello", ingestionTime: 1_700_000_000_010 }],
      nextForwardToken: "f/1",
      nextBackwardToken: "b/1",
    };
    answerWith(transport, awsJson1_1Codec, logs, output);
    const result = await client.send(new GetLogEventsCommand({ logGroupName: "g", logStreamName: "s" }));
    assert.deepEqual(withoutMetadata(result), output);
  });
});

describe("awsJson codec: errors the SDKs read", () => {
  it("writes __type, message and x-amzn-ErrorType with the modelled status", async () => {
    const { transport, client } = ecsSetup();
    transport.respond = () => awsJson1_1Codec.serializeError(ecs, "DescribeClusters", new AwsError("ClusterNotFoundException", "Cluster not found."), "r1");
    const error = await sdkFailure(client.send(new DescribeClustersCommand({ clusters: ["x"] })));
    assert.equal(error.name, "ClusterNotFoundException");
    assert.equal(error.message, "Cluster not found.");
    assert.equal((error.$metadata as { httpStatusCode: number }).httpStatusCode, 400);
    assert.equal(error.$fault, "client");

    const raw = awsJson1_1Codec.serializeError(ecs, undefined, new AwsError("ClusterNotFoundException", "m"), "r1");
    assert.equal(raw.headers["x-amzn-ErrorType"], "ClusterNotFoundException");
    assert.equal(raw.headers["Content-Type"], "application/x-amz-json-1.1");
    assert.deepEqual(JSON.parse(String(raw.body)), { __type: "ClusterNotFoundException", message: "m" });
    // A modelled error without a message member still carries the message.
    const bare = awsJson1_1Codec.serializeError(ecs, undefined, new AwsError("ECSServiceException", "m", { fields: { extra: 1 } }), "r1");
    assert.deepEqual(JSON.parse(String(bare.body)), { __type: "ECSServiceException", message: "m", extra: 1 });
  });

  it("includes modelled fields and answers unmodelled codes with their own status", async () => {
    const { transport, client } = logsSetup();
    transport.respond = () =>
      awsJson1_1Codec.serializeError(logs, "PutLogEvents", new AwsError("ResourceNotFoundException", "The specified log group does not exist."), "r");
    const notFound = await sdkFailure(client.send(new PutLogEventsCommand({ logGroupName: "g", logStreamName: "s", logEvents: [] })));
    assert.equal(notFound.name, "ResourceNotFoundException");
    assert.equal(notFound.message, "The specified log group does not exist.");

    transport.respond = () =>
      awsJson1_1Codec.serializeError(
        logs,
        "PutLogEvents",
        new AwsError("DataAlreadyAcceptedException", "The given batch of log events has already been accepted.", { fields: { expectedSequenceToken: "49" } }),
        "r",
      );
    const accepted = await sdkFailure(client.send(new PutLogEventsCommand({ logGroupName: "g", logStreamName: "s", logEvents: [] })));
    assert.equal(accepted.name, "DataAlreadyAcceptedException");
    assert.equal(accepted.expectedSequenceToken, "49");

    transport.respond = () =>
      awsJson1_1Codec.serializeError(logs, "PutLogEvents", new AwsError("SlowDown", "Rate exceeded", { status: 429, fields: { retryable: true } }), "r");
    const throttled = await sdkFailure(client.send(new PutLogEventsCommand({ logGroupName: "g", logStreamName: "s", logEvents: [] })));
    assert.equal(throttled.name, "SlowDown");
    assert.equal(throttled.retryable, true);
    assert.equal((throttled.$metadata as { httpStatusCode: number }).httpStatusCode, 429);

    transport.respond = () => awsJson1_1Codec.serializeError(logs, undefined, internalFailure(), "r");
    const internal = await sdkFailure(client.send(new GetLogEventsCommand({ logGroupName: "g", logStreamName: "s" })));
    assert.equal(internal.name, "InternalFailure");
    assert.equal(internal.$fault, "server");
    assert.equal((internal.$metadata as { httpStatusCode: number }).httpStatusCode, 500);
  });

  it("sends x-amzn-query-error for query-compatible CloudWatch", async () => {
    const { transport, client } = cloudwatchSetup();
    const raw = awsJson1_0Codec.serializeError(cloudwatch, "SetAlarmState", new AwsError("ResourceNotFound", "Alarm cpu not found"), "r");
    assert.equal(raw.status, 404);
    assert.equal(raw.headers["x-amzn-query-error"], "ResourceNotFound;Sender");
    assert.deepEqual(JSON.parse(String(raw.body)), { __type: "ResourceNotFound", message: "Alarm cpu not found" });
    transport.respond = () => raw;
    const notFound = await sdkFailure(client.send(new SetAlarmStateCommand({ AlarmName: "cpu", StateValue: "OK", StateReason: "r" })));
    assert.equal(notFound.name, "ResourceNotFound");
    assert.equal(notFound.message, "Alarm cpu not found");
    assert.equal((notFound.$metadata as { httpStatusCode: number }).httpStatusCode, 404);

    // Handlers may throw the awsQuery code; the shape name goes in __type, the query code in the header.
    const invalid = awsJson1_0Codec.serializeError(cloudwatch, "PutMetricData", new AwsError("InvalidParameterValue", "bad value"), "r");
    assert.equal(invalid.headers["x-amzn-query-error"], "InvalidParameterValue;Sender");
    assert.equal(JSON.parse(String(invalid.body)).__type, "InvalidParameterValueException");
    transport.respond = () => invalid;
    const error = await sdkFailure(client.send(new PutMetricDataCommand({ Namespace: "n", MetricData: [] })));
    assert.equal(error.name, "InvalidParameterValueException");
    assert.equal(error.Code, "InvalidParameterValue");
    assert.equal(error.message, "bad value");

    const fault = awsJson1_0Codec.serializeError(cloudwatch, undefined, new AwsError("InternalServiceFault", "boom"), "r");
    assert.equal(fault.status, 500);
    assert.equal(fault.headers["x-amzn-query-error"], "InternalServiceError;Receiver");
    assert.deepEqual(JSON.parse(String(fault.body)), { __type: "InternalServiceFault", Message: "boom" });
  });
});
