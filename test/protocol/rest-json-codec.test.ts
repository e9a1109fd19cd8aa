/** The restJson1 codec and REST bindings against the real Lambda and EKS SDK clients. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateClusterCommand, DescribeClusterCommand, EKSClient, ListClustersCommand, ListUpdatesCommand } from "@aws-sdk/client-eks";
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetLayerVersionCommand,
  InvokeCommand,
  LambdaClient,
  ListDurableExecutionsByFunctionCommand,
  ListFunctionsCommand,
  TagResourceCommand,
} from "@aws-sdk/client-lambda";
import type { HttpRequest } from "../../src/protocol/http-types.ts";
import { ModelRegistry } from "../../src/protocol/model-registry.ts";
import { restJson1Codec } from "../../src/protocol/rest-json-codec.ts";
import { AwsError, notImplemented } from "../../src/shared/aws-error.ts";
import { sdkFailure } from "../support/assertions.ts";
import { answerWith, clientConfig, createTransport, lastRequest, withoutMetadata } from "./sdk-harness.ts";

const registry = new ModelRegistry();
const lambda = registry.get("lambda");
const eks = registry.get("eks");

const lambdaSetup = () => {
  const transport = createTransport(restJson1Codec, lambda);
  return { transport, client: new LambdaClient(clientConfig(transport)) };
};
const eksSetup = () => {
  const transport = createTransport(restJson1Codec, eks);
  return { transport, client: new EKSClient(clientConfig(transport)) };
};

const rest = (method: string, path: string, rawQuery = "", body = "", headers: Record<string, string> = {}): HttpRequest => ({
  method,
  path,
  rawQuery,
  headers: { "content-type": "application/json", ...headers },
  body: Buffer.from(body),
});

function awsError(run: () => unknown): AwsError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof AwsError, String(error));
    return error;
  }
  assert.fail("expected an AwsError");
}

describe("restJson1 codec: requests the SDKs send", () => {
  it("parses Lambda CreateFunction with a base64 ZipFile, maps and nested structures", async () => {
    const { transport, client } = lambdaSetup();
    const input = {
      FunctionName: "hello",
      Role: "arn:aws:iam::000000000000:role/lambda",
      Runtime: "nodejs22.x" as const,
      Handler: "index.handler",
      Code: { ZipFile: new Uint8Array([80, 75, 3, 4, 0, 255]) },
      Timeout: 30,
      MemorySize: 256,
      Publish: true,
      Environment: { Variables: { A: "1", "B C": "ü" } },
      Tags: { team: "x" },
      Architectures: ["arm64" as const],
      Layers: [],
      VpcConfig: { SubnetIds: ["subnet-1"], SecurityGroupIds: ["sg-1"] },
    };
    await client.send(new CreateFunctionCommand(input));
    const request = lastRequest(transport);
    assert.equal(request.method, "POST");
    const parsed = restJson1Codec.parseRequest(request, lambda);
    assert.equal(parsed.operation, "CreateFunction");
    assert.deepEqual(parsed.input, input);
  });

  it("parses Lambda Invoke: raw payload, query qualifier and headers", async () => {
    const { transport, client } = lambdaSetup();
    const payload = new TextEncoder().encode('{"key":"välue","n":[1,2]}');
    const input = {
      FunctionName: "arn:aws:lambda:us-east-1:000000000000:function:hello",
      Qualifier: "$LATEST",
      InvocationType: "RequestResponse" as const,
      LogType: "Tail" as const,
      ClientContext: Buffer.from('{"custom":{}}').toString("base64"),
      Payload: payload,
    };
    await client.send(new InvokeCommand(input));
    const request = lastRequest(transport);
    assert.equal(request.body.toString("utf8"), '{"key":"välue","n":[1,2]}');
    const parsed = restJson1Codec.parseRequest(request, lambda);
    assert.equal(parsed.operation, "Invoke");
    assert.deepEqual(parsed.input, input);
  });

  it("decodes labels holding ':' and '/' (split before percent-decoding)", async () => {
    const { transport, client } = lambdaSetup();
    const name = "arn:aws:lambda:us-east-1:000000000000:function:a/b c%d";
    await client.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "live" }));
    const request = lastRequest(transport);
    assert.match(request.path, /%2F/);
    assert.deepEqual(restJson1Codec.parseRequest(request, lambda), { operation: "GetFunction", input: { FunctionName: name, Qualifier: "live" } });
  });

  it("parses ListFunctions paging, number labels and query timestamps", async () => {
    const { transport, client } = lambdaSetup();
    await client.send(new ListFunctionsCommand({ Marker: "next+page/=", MaxItems: 25, FunctionVersion: "ALL" }));
    assert.deepEqual(restJson1Codec.parseRequest(lastRequest(transport), lambda), {
      operation: "ListFunctions",
      input: { Marker: "next+page/=", MaxItems: 25, FunctionVersion: "ALL" },
    });
    await client.send(new GetLayerVersionCommand({ LayerName: "deps", VersionNumber: 7 }));
    assert.deepEqual(restJson1Codec.parseRequest(lastRequest(transport), lambda).input, { LayerName: "deps", VersionNumber: 7 });
    const window = { FunctionName: "f", StartedAfter: new Date(1_700_000_000_000), StartedBefore: new Date(1_700_000_100_500), ReverseOrder: true };
    await client.send(new ListDurableExecutionsByFunctionCommand(window));
    assert.deepEqual(restJson1Codec.parseRequest(lastRequest(transport), lambda).input, window);
  });

  it("parses EKS CreateCluster (idempotency token kept) and list query parameters", async () => {
    const { transport, client } = eksSetup();
    const input = {
      name: "dev",
      version: "1.31",
      roleArn: "arn:aws:iam::000000000000:role/eks",
      resourcesVpcConfig: { subnetIds: ["subnet-a", "subnet-b"], endpointPublicAccess: true, publicAccessCidrs: ["0.0.0.0/0"] },
      kubernetesNetworkConfig: { serviceIpv4Cidr: "10.100.0.0/16", ipFamily: "ipv4" as const },
      logging: { clusterLogging: [{ types: ["api" as const, "audit" as const], enabled: true }] },
      tags: { env: "dev" },
    };
    await client.send(new CreateClusterCommand(input));
    const parsed = restJson1Codec.parseRequest(lastRequest(transport), eks);
    assert.equal(parsed.operation, "CreateCluster");
    const { clientRequestToken, ...rest } = parsed.input;
    assert.equal(typeof clientRequestToken, "string");
    assert.deepEqual(rest, input);

    await client.send(new ListClustersCommand({ maxResults: 10, include: ["all", "x y"], nextToken: "t" }));
    assert.deepEqual(restJson1Codec.parseRequest(lastRequest(transport), eks), {
      operation: "ListClusters",
      input: { maxResults: 10, include: ["all", "x y"], nextToken: "t" },
    });
    await client.send(new ListUpdatesCommand({ name: "dev", nodegroupName: "ng" }));
    assert.deepEqual(restJson1Codec.parseRequest(lastRequest(transport), eks).input, { name: "dev", nodegroupName: "ng" });
  });

  it("accepts botocore's trailing slash and '+' for spaces in the query", () => {
    const parsed = restJson1Codec.parseRequest(rest("GET", "/2015-03-31/functions/", "Marker=a+b&MaxItems=5"), lambda);
    assert.deepEqual(parsed, { operation: "ListFunctions", input: { Marker: "a b", MaxItems: 5 } });
  });
});

describe("restJson1 codec: malformed requests and unknown routes", () => {
  it("answers an unknown route with 404 UnknownOperationException", () => {
    for (const [method, path] of [
      ["GET", "/2015-03-31/nothing"],
      ["PATCH", "/2015-03-31/functions"],
      ["GET", "/2015-03-31/functions//configuration"],
    ] as const) {
      const error = awsError(() => restJson1Codec.parseRequest(rest(method, path), lambda));
      assert.equal(error.code, "UnknownOperationException", path);
      assert.equal(error.status, 404);
    }
  });

  it("rejects malformed JSON, wrong body types and bad query numbers with SerializationException", () => {
    const bad = [
      rest("POST", "/2015-03-31/functions", "", '{"FunctionName":'),
      rest("POST", "/2015-03-31/functions", "", '{"FunctionName":"f","Timeout":"long"}'),
      rest("POST", "/2015-03-31/functions", "", '{"FunctionName":"f","Code":{"ZipFile":"***"}}'),
      rest("POST", "/2015-03-31/functions", "", '{"FunctionName":"f","Environment":{"Variables":[]}}'),
      rest("GET", "/2015-03-31/functions", "MaxItems=many"),
      rest("GET", "/2018-10-31/layers/x/versions/seven"),
    ];
    for (const request of bad) {
      const error = awsError(() => restJson1Codec.parseRequest(request, lambda));
      assert.equal(error.code, "SerializationException", `${request.path}?${request.rawQuery} ${request.body.toString()}`);
    }
    const error = awsError(() => restJson1Codec.parseRequest(rest("POST", "/2015-03-31/functions", "", '{"Environment":{"Variables":{"A":1}}}'), lambda));
    assert.match(error.message, /Environment\.Variables\["A"\]/);
  });

  it("reads a GET without body and ignores unknown body members", () => {
    assert.deepEqual(restJson1Codec.parseRequest(rest("GET", "/clusters/dev"), eks), { operation: "DescribeCluster", input: { name: "dev" } });
    const tag = restJson1Codec.parseRequest(rest("POST", "/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A0%3Acluster%2Fdev", "", '{"tags":{"a":"b"},"x":1}'), eks);
    assert.deepEqual(tag, { operation: "TagResource", input: { resourceArn: "arn:aws:eks:us-east-1:0:cluster/dev", tags: { a: "b" } } });
  });
});

describe("restJson1 codec: responses the SDKs read", () => {
  it("round-trips Lambda GetFunction and uses CreateFunction's 201", async () => {
    const { transport, client } = lambdaSetup();
    const output = {
      Configuration: {
        FunctionName: "hello",
        FunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:hello",
        Runtime: "nodejs22.x" as const,
        LastModified: "2026-01-02T03:04:05.000+0000",
        MemorySize: 128,
        Environment: { Variables: { A: "1" } },
        Layers: [{ Arn: "arn:l:1", CodeSize: 10 }],
        State: "Active" as const,
      },
      Code: { RepositoryType: "S3", Location: "http://127.0.0.1:4566/x" },
      Tags: { team: "x" },
    };
    answerWith(transport, restJson1Codec, lambda, output);
    assert.deepEqual(withoutMetadata(await client.send(new GetFunctionCommand({ FunctionName: "hello" }))), output);

    const created = restJson1Codec.serializeResponse(lambda, "CreateFunction", { FunctionName: "hello" }, "rid");
    assert.equal(created.status, 201);
    assert.equal(created.headers["Content-Type"], "application/json");
    assert.equal(created.headers["x-amzn-RequestId"], "rid");
    assert.equal(created.body, '{"FunctionName":"hello"}');
    transport.respond = () => created;
    const result = await client.send(new CreateFunctionCommand({ FunctionName: "hello", Role: "r", Code: {} }));
    assert.equal(result.$metadata.httpStatusCode, 201);
    assert.equal(result.FunctionName, "hello");
  });

  it("round-trips Lambda Invoke: status code member, headers and raw payload", async () => {
    const { transport, client } = lambdaSetup();
    const payload = new TextEncoder().encode('{"errorMessage":"boom"}');
    const output = {
      StatusCode: 200,
      FunctionError: "Unhandled",
      LogResult: Buffer.from("START\nEND\n").toString("base64"),
      ExecutedVersion: "$LATEST",
      Payload: payload,
    };
    const response = restJson1Codec.serializeResponse(lambda, "Invoke", output, "rid");
    assert.ok(Buffer.isBuffer(response.body));
    assert.equal(response.body.toString("utf8"), '{"errorMessage":"boom"}');
    transport.respond = () => response;
    const result = await client.send(new InvokeCommand({ FunctionName: "f", Payload: new Uint8Array([1]) }));
    const { Payload, ...rest } = withoutMetadata(result);
    assert.deepEqual(rest, { StatusCode: 200, FunctionError: "Unhandled", LogResult: output.LogResult, ExecutedVersion: "$LATEST" });
    assert.deepEqual(new Uint8Array(Payload as Uint8Array), payload);

    const async = restJson1Codec.serializeResponse(lambda, "Invoke", { StatusCode: 202 }, "rid");
    assert.equal(async.status, 202);
    transport.respond = () => async;
    const queued = await client.send(new InvokeCommand({ FunctionName: "f", InvocationType: "Event" }));
    assert.equal(queued.StatusCode, 202);
  });

  it("answers 204 with an empty body (TagResource, DeleteFunction)", async () => {
    const { transport, client } = lambdaSetup();
    const tagged = restJson1Codec.serializeResponse(lambda, "TagResource", {}, "rid");
    assert.equal(tagged.status, 204);
    assert.equal(tagged.body, "");
    transport.respond = () => tagged;
    await client.send(new TagResourceCommand({ Resource: "arn:aws:lambda:us-east-1:0:function:f", Tags: { a: "b" } }));
    const deleted = await client.send(new DeleteFunctionCommand({ FunctionName: "f" }));
    assert.equal(deleted.$metadata.httpStatusCode, 204);
  });

  it("round-trips EKS DescribeCluster with timestamps and maps", async () => {
    const { transport, client } = eksSetup();
    const output = {
      cluster: {
        name: "dev",
        arn: "arn:aws:eks:us-east-1:000000000000:cluster/dev",
        createdAt: new Date(1_700_000_000_500),
        version: "1.31",
        status: "ACTIVE" as const,
        endpoint: "https://127.0.0.1:6443",
        certificateAuthority: { data: "LS0t" },
        resourcesVpcConfig: { subnetIds: ["subnet-a"], endpointPublicAccess: true, endpointPrivateAccess: false },
        logging: { clusterLogging: [{ types: ["api" as const], enabled: false }] },
        tags: { env: "dev" },
        health: { issues: [] },
      },
    };
    answerWith(transport, restJson1Codec, eks, output);
    assert.deepEqual(withoutMetadata(await client.send(new DescribeClusterCommand({ name: "dev" }))), output);
  });
});

describe("restJson1 codec: errors the SDKs read", () => {
  it("writes Lambda's modelled error: status, x-amzn-ErrorType and {Type, Message}", async () => {
    const { transport, client } = lambdaSetup();
    const error = new AwsError("ResourceNotFoundException", "Function not found: arn:aws:lambda:us-east-1:0:function:f", { fields: { Type: "User" } });
    const response = restJson1Codec.serializeError(lambda, "GetFunction", error, "rid");
    assert.equal(response.status, 404);
    assert.equal(response.headers["x-amzn-ErrorType"], "ResourceNotFoundException");
    assert.deepEqual(JSON.parse(String(response.body)), { Type: "User", Message: error.message });
    transport.respond = () => response;
    const thrown = await sdkFailure(client.send(new GetFunctionCommand({ FunctionName: "f" })));
    assert.equal(thrown.name, "ResourceNotFoundException");
    assert.equal(thrown.message, error.message);
    assert.equal(thrown.Type, "User");
    assert.equal((thrown.$metadata as { httpStatusCode: number }).httpStatusCode, 404);
  });

  it("puts header-bound error members in headers (Lambda TooManyRequestsException Retry-After)", async () => {
    const { transport, client } = lambdaSetup();
    const error = new AwsError("TooManyRequestsException", "Rate exceeded", { fields: { retryAfterSeconds: "3", Reason: "ConcurrentInvocationLimitExceeded", Type: "User" } });
    const response = restJson1Codec.serializeError(lambda, "Invoke", error, "rid");
    assert.equal(response.status, 429);
    assert.equal(response.headers["Retry-After"], "3");
    assert.deepEqual(JSON.parse(String(response.body)), { Type: "User", message: "Rate exceeded", Reason: "ConcurrentInvocationLimitExceeded" });
    transport.respond = () => response;
    const thrown = await sdkFailure(client.send(new InvokeCommand({ FunctionName: "f" })));
    assert.equal(thrown.name, "TooManyRequestsException");
    assert.equal(thrown.retryAfterSeconds, "3");
    assert.equal(thrown.Reason, "ConcurrentInvocationLimitExceeded");
    assert.equal(thrown.message, "Rate exceeded");
  });

  it("answers unknown routes and unimplemented operations in the SDK-readable shape", async () => {
    const { transport, client } = eksSetup();
    transport.respond = (request) => {
      try {
        restJson1Codec.parseRequest({ ...request, path: "/nowhere" }, eks);
      } catch (error) {
        if (error instanceof AwsError) return restJson1Codec.serializeError(eks, undefined, error, "rid");
      }
      throw new Error("expected a routing error");
    };
    const unknown = await sdkFailure(client.send(new ListClustersCommand({})));
    assert.equal(unknown.name, "UnknownOperationException");
    assert.equal((unknown.$metadata as { httpStatusCode: number }).httpStatusCode, 404);

    transport.respond = () => restJson1Codec.serializeError(eks, "ListClusters", notImplemented("ListClusters"), "rid");
    const missing = await sdkFailure(client.send(new ListClustersCommand({})));
    assert.equal(missing.name, "NotImplemented");
    assert.match(missing.message, /ListClusters/);
    assert.equal((missing.$metadata as { httpStatusCode: number }).httpStatusCode, 501);

    transport.respond = () =>
      restJson1Codec.serializeError(eks, "DescribeCluster", new AwsError("ResourceNotFoundException", "No cluster found for name: dev.", { fields: { clusterName: "dev" } }), "rid");
    const notFound = await sdkFailure(client.send(new DescribeClusterCommand({ name: "dev" })));
    assert.equal(notFound.name, "ResourceNotFoundException");
    assert.equal(notFound.clusterName, "dev");
    assert.equal((notFound.$metadata as { httpStatusCode: number }).httpStatusCode, 404);
  });
});
