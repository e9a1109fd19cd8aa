/** Function URLs over real HTTP: the payload format 2.0 event in, the function's HTTP response out. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { CreateFunctionUrlConfigCommand, DeleteFunctionCommand, DeleteFunctionUrlConfigCommand, GetFunctionUrlConfigCommand, ListFunctionUrlConfigsCommand } from "@aws-sdk/client-lambda";
import { codeZip, createActive, lambdaFixture, sdkFailure, type LambdaFixture } from "./support.ts";

let fx: LambdaFixture;
before(async () => {
  fx = await lambdaFixture();
});
after(async () => fx.close());

const ECHO = `
exports.handler = async (event) => {
  if (event.rawPath === "/plain") return { hello: "json" };
  if (event.rawPath === "/fail") throw new Error("boom");
  return {
    statusCode: 201,
    headers: { "content-type": "application/json", "x-custom": "yes" },
    cookies: ["a=1"],
    body: JSON.stringify({ version: event.version, method: event.requestContext.http.method, rawPath: event.rawPath, query: event.queryStringParameters,
      header: event.headers["x-test"], body: event.body, isBase64Encoded: event.isBase64Encoded, routeKey: event.routeKey }),
  };
};`;

describe("Lambda function URLs", () => {
  it("creates a URL that invokes the function with the 2.0 event and maps its response", async () => {
    await createActive(fx, { FunctionName: "web", Code: { ZipFile: codeZip(ECHO) } });
    const created = await fx.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: "web", AuthType: "NONE" }));
    const url = created.FunctionUrl ?? "";
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/_stratus\/lambda\/url\/[0-9a-f]{32}\/$/);
    assert.equal((await fx.lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: "web" }))).FunctionUrl, url);
    assert.equal((await fx.lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: "web" }))).FunctionUrlConfigs?.length, 1);
    assert.equal((await sdkFailure(fx.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: "web", AuthType: "NONE" })))).name, "ResourceConflictException");

    const response = await fetch(`${url}items/42?x=1&y=2`, { method: "POST", headers: { "x-test": "hi", "content-type": "application/json" }, body: '{"a":1}' });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get("x-custom"), "yes");
    assert.equal(response.headers.get("set-cookie"), "a=1");
    assert.deepEqual(await response.json(), { version: "2.0", method: "POST", rawPath: "/items/42", query: { x: "1", y: "2" }, header: "hi", body: '{"a":1}', isBase64Encoded: false, routeKey: "$default" });

    const plain = await fetch(`${url}plain`);
    assert.equal(plain.status, 200);
    assert.deepEqual(await plain.json(), { hello: "json" });
    assert.equal((await fetch(`${url}fail`)).status, 502);

    await fx.lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: "web" }));
    assert.equal((await fetch(url)).status, 404);
  });

  it("removes a function's URL with the function", async () => {
    const created = await fx.lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: "web", AuthType: "NONE" }));
    assert.equal((await fetch(`${created.FunctionUrl ?? ""}plain`)).status, 200);
    await fx.lambda.send(new DeleteFunctionCommand({ FunctionName: "web" }));
    assert.equal((await fetch(created.FunctionUrl ?? "")).status, 404);
  });
});
