/** Shared setup of the Lambda tests: a started Stratus, an execution role, function zips and create-then-wait. */
import { CreateFunctionCommand, LambdaClient, waitUntilFunctionActiveV2, type CreateFunctionCommandInput } from "@aws-sdk/client-lambda";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { clientConfig, startStratus, type RunningStratus, type StartOptions } from "../support/server.ts";
import { makeZip, type ZipFileSpec } from "../support/zip-writer.ts";

export const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

export interface LambdaFixture {
  server: RunningStratus;
  lambda: LambdaClient;
  roleArn: string;
  close(): Promise<void>;
}

export async function lambdaFixture(options: StartOptions = {}): Promise<LambdaFixture> {
  const server = await startStratus({ ...options, env: { STRATUS_LAMBDA_RETRY_DELAYS_MS: "100,100", STRATUS_LAMBDA_TRANSITION_MS: "30", ...options.env } });
  const iam = new IAMClient(clientConfig(server.endpoint));
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: "lambda-exec", AssumeRolePolicyDocument: TRUST }));
  iam.destroy();
  const lambda = new LambdaClient(clientConfig(server.endpoint));
  return {
    server,
    lambda,
    roleArn: Role?.Arn ?? "",
    close: async () => {
      lambda.destroy();
      await server.stop();
    },
  };
}

/** A zip holding one file (index.js by default). */
export const codeZip = (source: string, file = "index.js"): Buffer => makeZip({ [file]: source });
export const zipOf = (files: Record<string, string | Uint8Array | ZipFileSpec>): Buffer => makeZip(files);

/** Creates a function and waits until it is Active. */
export async function createActive(fx: LambdaFixture, input: Partial<CreateFunctionCommandInput> & { FunctionName: string }): Promise<void> {
  await fx.lambda.send(
    new CreateFunctionCommand({ Runtime: "nodejs22.x", Handler: "index.handler", Role: fx.roleArn, ...input, Code: input.Code ?? { ZipFile: codeZip("exports.handler = async (e) => e;") } }),
  );
  // Pending lasts 30 ms in these tests: the waiter's first poll then already sees Active.
  await new Promise((resolveWait) => setTimeout(resolveWait, 40));
  await waitUntilFunctionActiveV2({ client: fx.lambda, maxWaitTime: 10, minDelay: 1 }, { FunctionName: input.FunctionName });
}

export const text = (payload: Uint8Array | undefined): string => Buffer.from(payload ?? new Uint8Array()).toString("utf8");
export const json = (payload: Uint8Array | undefined): unknown => JSON.parse(text(payload));

export { sdkFailure, type SdkFailure } from "../support/assertions.ts";

/**
 * Handler source (CommonJS) that asks Stratus's STS who it is with the credentials Lambda gave the function, at
 * AWS_ENDPOINT_URL (a form POST: no SDK inside); answers `{ status, arn, ...extra }`.
 */
export function whoAmIHandler(exportName: string, extraFields = ""): string {
  return `exports.${exportName} = async () => {
  const date = new Date().toISOString().replace(/[-:]/g, "").slice(0, 8);
  const response = await fetch(process.env.AWS_ENDPOINT_URL + "/", {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-amz-security-token": process.env.AWS_SESSION_TOKEN,
      authorization: "AWS4-HMAC-SHA256 Credential=" + process.env.AWS_ACCESS_KEY_ID + "/" + date + "/" + process.env.AWS_REGION + "/sts/aws4_request, SignedHeaders=host, Signature=0",
    },
    body: "Action=GetCallerIdentity&Version=2011-06-15",
  });
  const xml = await response.text();
  return { status: response.status, arn: /<Arn>([^<]+)<\\/Arn>/.exec(xml)?.[1]${extraFields ? `, ${extraFields}` : ""} };
};
`;
}

/**
 * Source of a minimal Runtime API client (node, no SDK) of a function's own, as an image or a `provided` bootstrap
 * brings: logs "<label> handled <request id>" and answers each event with the JS expression `answer` (sees `next`).
 */
export function runtimeClientSource(label: string, answer: string): string {
  return `const http = require("node:http");
const [host, port] = process.env.AWS_LAMBDA_RUNTIME_API.split(":");
const call = (method, path, body) => new Promise((resolve, reject) => {
  const req = http.request({ host, port: Number(port), method, path }, (res) => {
    const chunks = [];
    res.on("data", (chunk) => chunks.push(chunk));
    res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks).toString() }));
  });
  req.on("error", reject);
  req.end(body);
});
(async () => {
  for (;;) {
    const next = await call("GET", "/2018-06-01/runtime/invocation/next");
    const id = next.headers["lambda-runtime-aws-request-id"];
    console.log("${label} handled " + id);
    const answer = ${answer};
    await call("POST", "/2018-06-01/runtime/invocation/" + id + "/response", JSON.stringify(answer));
  }
})();
`;
}
