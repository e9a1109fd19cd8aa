// Stratus's runtime client for nodejs functions: loads the handler (CommonJS or ES module) and serves the Lambda Runtime API loop.
// CommonJS on purpose: an ES module entry point costs node ~2x its start-up time.
"use strict";
const http = require("node:http");
const { existsSync } = require("node:fs");
const { join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { format } = require("node:util");

const api = process.env.AWS_LAMBDA_RUNTIME_API ?? "";
const [apiHost, apiPort] = api.split(":");
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const END_MARK = "\u0000stratus:end:";
let currentRequestId;

// Stratus closes our stdin when it goes away, however it goes away: then so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();

// console.* as the Lambda node runtime writes it: timestamp, request id, level, message (newlines kept in one event as \r).
function patchConsole() {
  const write = (level) => (...args) => {
    const message = format(...args).replace(/\n/g, "\r");
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId ?? "undefined"}\t${level}\t${message}\n`);
  };
  console.log = write("INFO");
  console.info = write("INFO");
  console.warn = write("WARN");
  console.error = write("ERROR");
  console.debug = write("DEBUG");
  console.trace = write("TRACE");
}

function request(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: apiHost, port: Number(apiPort), method, path, agent, headers }, (res) => {
      const chunks = [];
      res.on("data", (chunk) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function errorPayload(error) {
  if (error instanceof Error) {
    return { errorType: error.name === "Error" && error.constructor?.name ? error.constructor.name : error.name, errorMessage: error.message, trace: (error.stack ?? "").split("\n") };
  }
  return { errorType: typeof error === "string" ? "string" : typeof error, errorMessage: typeof error === "string" ? error : JSON.stringify(error) ?? String(error), trace: [] };
}

async function post(path, payload, errorType) {
  const body = Buffer.from(payload);
  const headers = { "content-type": "application/json", "content-length": body.length };
  if (errorType) headers["lambda-runtime-function-error-type"] = errorType;
  try {
    await request("POST", path, body, headers);
  } catch {
    process.exit(0);
  }
}

async function initError(errorType, error) {
  const payload = { ...errorPayload(error), errorType };
  process.stdout.write(`${new Date().toISOString()}\tundefined\tERROR\t${JSON.stringify(payload).replace(/\n/g, "\r")}\n`);
  await post("/2018-06-01/runtime/init/error", JSON.stringify(payload), errorType);
  process.exit(1);
}

async function loadHandler() {
  const spec = process.env._HANDLER ?? "";
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const dot = spec.lastIndexOf(".");
  if (dot <= 0) return initError("Runtime.MalformedHandlerName", new Error(`Bad handler ${spec}`));
  const modulePath = spec.slice(0, dot);
  const name = spec.slice(dot + 1);
  const file = [".js", ".mjs", ".cjs"].map((ext) => join(root, modulePath + ext)).find((candidate) => existsSync(candidate));
  if (!file) return initError("Runtime.ImportModuleError", new Error(`Error: Cannot find module '${modulePath}'\nRequire stack:\n- /var/runtime/index.mjs`));
  let mod;
  try {
    try {
      // require() loads CommonJS and (Node 22.12+) synchronous ES modules without starting the async ESM loader.
      mod = require(file);
    } catch (error) {
      if (!["ERR_REQUIRE_ESM", "ERR_REQUIRE_ASYNC_MODULE"].includes(error?.code)) throw error;
      mod = await import(pathToFileURL(file).href);
    }
  } catch (error) {
    if (error instanceof SyntaxError) return initError("Runtime.UserCodeSyntaxError", error);
    return initError("Runtime.ImportModuleError", error);
  }
  const handler = mod[name] ?? mod.default?.[name];
  if (typeof handler !== "function") return initError("Runtime.HandlerNotFound", new Error(`${modulePath}.${name} is undefined or not exported`));
  return handler;
}

function makeContext(headers, requestId) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const clientContext = headers["lambda-runtime-client-context"];
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: typeof clientContext === "string" ? JSON.parse(clientContext) : undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: undefined,
    succeed: undefined,
    fail: undefined,
  };
}

/** Calls the handler: async (returns a promise) or callback style (three parameters). */
function invoke(handler, event, context) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error, result) => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    context.done = callback;
    context.succeed = (result) => callback(null, result);
    context.fail = (error) => callback(error ?? new Error("handled"));
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === "function") returned.then((value) => callback(null, value), (error) => callback(error ?? new Error("rejected")));
      else if (handler.length < 3 && !settled) callback(null, returned);
    } catch (error) {
      callback(error);
    }
  });
}

let handlerPromiseReject;

async function main() {
  patchConsole();
  const handler = await loadHandler();
  process.on("unhandledRejection", (reason) => handlerPromiseReject?.(reason));
  process.on("uncaughtException", (error) => {
    if (handlerPromiseReject) handlerPromiseReject(error);
    else process.exit(1);
  });
  for (;;) {
    let next;
    try {
      next = await request("GET", "/2018-06-01/runtime/invocation/next");
    } catch {
      process.exit(0);
    }
    const requestId = String(next.headers["lambda-runtime-aws-request-id"] ?? "");
    currentRequestId = requestId;
    process.env._X_AMZN_TRACE_ID = String(next.headers["lambda-runtime-trace-id"] ?? "");
    const context = makeContext(next.headers, requestId);
    let event;
    try {
      event = next.body.length ? JSON.parse(next.body.toString("utf8")) : {};
    } catch {
      event = next.body.toString("utf8");
    }
    let outcome;
    try {
      const result = await Promise.race([
        invoke(handler, event, context),
        new Promise((_resolve, reject) => (handlerPromiseReject = reject)),
      ]);
      outcome = { ok: true, body: JSON.stringify(result === undefined ? null : result) };
    } catch (error) {
      const payload = errorPayload(error);
      console.error("Invoke Error", JSON.stringify(payload));
      outcome = { ok: false, body: JSON.stringify(payload), type: payload.errorType };
    }
    handlerPromiseReject = undefined;
    process.stdout.write(`${END_MARK}${requestId}\n`);
    if (outcome.ok) await post(`/2018-06-01/runtime/invocation/${requestId}/response`, outcome.body);
    else await post(`/2018-06-01/runtime/invocation/${requestId}/error`, outcome.body, outcome.type);
  }
}

main();
