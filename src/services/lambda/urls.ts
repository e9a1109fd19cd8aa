/** Function URLs: a real HTTP endpoint per function (under /_stratus/lambda/url/<id>/ on Stratus's port) speaking payload format 2.0. */
import type { LambdaOperations } from "../../generated/lambda.ts";
import { crypto } from "../../shared/builtins.ts";
import { isAwsError } from "../../shared/aws-error.ts";
import type { HttpRequest, HttpResponse } from "../../protocol/http-types.ts";
import type { StateStore, Table } from "../../state/state-store.ts";
import type { HandlerTable, RequestContext } from "../service-types.ts";
import { conflict, invalidParameter, notFound } from "./errors.ts";
import { invokeFunction } from "./invoke.ts";
import { functionArn, lambdaTimestamp } from "./state.ts";
import { parseFunctionRef, resolveQualifier } from "./validate.ts";
import { requireFunction, resolveFunction } from "./view.ts";

type Ops = LambdaOperations;

interface UrlConfigRecord {
  urlId: string;
  account: string;
  region: string;
  functionName: string;
  qualifier?: string;
  AuthType: "NONE" | "AWS_IAM";
  Cors?: Ops["CreateFunctionUrlConfig"]["input"]["Cors"];
  InvokeMode: "BUFFERED" | "RESPONSE_STREAM";
  CreationTime: string;
  LastModifiedTime: string;
}

/** URL ids are global (like the real *.lambda-url.<region>.on.aws host names), so they live in one scope. */
const URL_SCOPE = { account: "global", region: "global" };
const urls = (state: StateStore): Table<UrlConfigRecord> => state.table<UrlConfigRecord>("lambda", "function-urls");

export const functionUrl = (endpoint: string, urlId: string): string => `${endpoint}/_stratus/lambda/url/${urlId}/`;

function findConfig(ctx: RequestContext, name: string, qualifier: string | undefined): UrlConfigRecord | undefined {
  return urls(ctx.state)
    .list(URL_SCOPE)
    .find((u) => u.account === ctx.account && u.region === ctx.region && u.functionName === name && u.qualifier === qualifier);
}

function target(ctx: RequestContext, functionName: string | undefined, qualifierInput: string | undefined) {
  const ref = parseFunctionRef(functionName ?? "", ctx);
  const qualifier = resolveQualifier(ref, qualifierInput);
  if (qualifier !== undefined && /^\d+$|^\$LATEST$/.test(qualifier)) throw invalidParameter("Function URLs can only be attached to the unqualified function or an alias.");
  resolveFunction(ctx, ref.name, qualifier);
  return { name: ref.name, qualifier };
}

function view(ctx: RequestContext, u: UrlConfigRecord) {
  return {
    FunctionUrl: functionUrl(ctx.endpoint, u.urlId),
    FunctionArn: functionArn(ctx, u.functionName, u.qualifier),
    AuthType: u.AuthType,
    ...(u.Cors ? { Cors: u.Cors } : {}),
    CreationTime: u.CreationTime,
    LastModifiedTime: u.LastModifiedTime,
    InvokeMode: u.InvokeMode,
  };
}

function requireConfig(ctx: RequestContext, functionName: string | undefined, qualifier: string | undefined): UrlConfigRecord {
  const t = target(ctx, functionName, qualifier);
  const found = findConfig(ctx, t.name, t.qualifier);
  if (!found) throw notFound("The resource you requested does not exist.");
  return found;
}

/** DeleteFunction takes the function's URLs with it. */
export function deleteUrlConfigs(ctx: RequestContext, name: string, qualifier?: string): void {
  for (const u of urls(ctx.state).list(URL_SCOPE)) {
    if (u.account === ctx.account && u.region === ctx.region && u.functionName === name && (qualifier === undefined || u.qualifier === qualifier)) {
      urls(ctx.state).delete(URL_SCOPE, u.urlId);
    }
  }
}

export const urlHandlers: HandlerTable<Ops> = {
  CreateFunctionUrlConfig(input, ctx) {
    const t = target(ctx, input.FunctionName, input.Qualifier);
    if (input.InvokeMode === "RESPONSE_STREAM") throw invalidParameter("Stratus does not stream function URL responses yet: use InvokeMode BUFFERED.");
    if (findConfig(ctx, t.name, t.qualifier)) throw conflict(`Failed to create function url config for [functionArn = ${functionArn(ctx, t.name, t.qualifier)}]. Error message:  FunctionUrlConfig exists for this Lambda function`);
    const now = new Date().toISOString();
    const record: UrlConfigRecord = {
      urlId: crypto.randomBytes(16).toString("hex"),
      account: ctx.account,
      region: ctx.region,
      functionName: t.name,
      ...(t.qualifier !== undefined ? { qualifier: t.qualifier } : {}),
      AuthType: input.AuthType ?? "NONE",
      ...(input.Cors ? { Cors: input.Cors } : {}),
      InvokeMode: "BUFFERED",
      CreationTime: now,
      LastModifiedTime: now,
    };
    urls(ctx.state).put(URL_SCOPE, record.urlId, record);
    const { LastModifiedTime: _omitted, ...created } = view(ctx, record);
    return created;
  },

  GetFunctionUrlConfig(input, ctx) {
    return view(ctx, requireConfig(ctx, input.FunctionName, input.Qualifier));
  },

  UpdateFunctionUrlConfig(input, ctx) {
    const found = requireConfig(ctx, input.FunctionName, input.Qualifier);
    const updated: UrlConfigRecord = {
      ...found,
      ...(input.AuthType ? { AuthType: input.AuthType } : {}),
      ...(input.Cors ? { Cors: input.Cors } : {}),
      LastModifiedTime: new Date().toISOString(),
    };
    urls(ctx.state).put(URL_SCOPE, updated.urlId, updated);
    return view(ctx, updated);
  },

  DeleteFunctionUrlConfig(input, ctx) {
    urls(ctx.state).delete(URL_SCOPE, requireConfig(ctx, input.FunctionName, input.Qualifier).urlId);
    return {};
  },

  ListFunctionUrlConfigs(input, ctx) {
    const name = parseFunctionRef(input.FunctionName ?? "", ctx).name;
    requireFunction(ctx, name);
    const all = urls(ctx.state)
      .list(URL_SCOPE)
      .filter((u) => u.account === ctx.account && u.region === ctx.region && u.functionName === name);
    return { FunctionUrlConfigs: all.map((u) => view(ctx, u)) };
  },
};

const TEXT_TYPES = /^(text\/|application\/(json|xml|x-www-form-urlencoded|javascript)|.*\+json|.*\+xml)/;

/** The payload format 2.0 event Lambda builds for a function URL request. */
function urlEvent(request: HttpRequest, urlId: string, region: string, rawPath: string, requestId: string): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.headers)) if (key !== "cookie") headers[key] = value;
  const query = new URLSearchParams(request.rawQuery);
  const queryStringParameters: Record<string, string> = {};
  for (const key of new Set(query.keys())) queryStringParameters[key] = query.getAll(key).join(",");
  const binary = request.body.length > 0 && !TEXT_TYPES.test(request.headers["content-type"] ?? "text/plain");
  const now = new Date();
  const domain = `${urlId}.lambda-url.${region}.on.aws`;
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString: request.rawQuery,
    ...(request.headers.cookie ? { cookies: request.headers.cookie.split(/;\s*/) } : {}),
    headers,
    ...(request.rawQuery ? { queryStringParameters } : {}),
    requestContext: {
      accountId: "anonymous",
      apiId: urlId,
      domainName: domain,
      domainPrefix: urlId,
      http: { method: request.method, path: rawPath, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: request.headers["user-agent"] ?? "" },
      requestId,
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(request.body.length > 0 ? { body: binary ? request.body.toString("base64") : request.body.toString("utf8") } : {}),
    isBase64Encoded: binary,
  };
}

/** A function's result as an HTTP response: a {statusCode, headers, body, cookies} object, or anything else as a JSON 200. */
function httpResponse(payload: Buffer): HttpResponse {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString("utf8"));
  } catch {
    return { status: 200, headers: { "content-type": "application/json" }, body: payload };
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value) && "statusCode" in value) {
    const shaped = value as { statusCode: unknown; headers?: Record<string, string>; body?: unknown; isBase64Encoded?: boolean; cookies?: string[] };
    const headers: Record<string, string> = { "content-type": "application/json", ...(shaped.headers ?? {}) };
    if (shaped.cookies?.length) headers["set-cookie"] = shaped.cookies.join(", ");
    const body = typeof shaped.body === "string" ? (shaped.isBase64Encoded ? Buffer.from(shaped.body, "base64") : shaped.body) : shaped.body === undefined ? "" : JSON.stringify(shaped.body);
    return { status: Number(shaped.statusCode) || 200, headers, body };
  }
  return { status: 200, headers: { "content-type": "application/json" }, body: payload };
}

const plain = (status: number, message: string): HttpResponse => ({ status, headers: { "content-type": "application/json" }, body: JSON.stringify({ Message: message }) });

/** Serves /_stratus/lambda/url/<id>/<path>: the function runs with the 2.0 event; errors answer as Lambda's URL front end does. */
export async function serveFunctionUrl(request: HttpRequest, state: StateStore, endpoint: string): Promise<HttpResponse | undefined> {
  const match = /^\/_stratus\/lambda\/url\/([0-9a-f]{32})(\/.*)?$/.exec(request.path);
  if (!match?.[1]) return undefined;
  const config = urls(state).get(URL_SCOPE, match[1]);
  if (!config) return plain(404, "Not Found");
  if (config.AuthType === "AWS_IAM" && !request.headers.authorization) return plain(403, "Forbidden");
  const requestId = crypto.randomUUID();
  const ctx: RequestContext = { requestId, account: config.account, region: config.region, accessKeyId: "", service: "lambda", operation: "Invoke", endpoint, state };
  const event = urlEvent(request, config.urlId, config.region, decodeURIComponent(match[2] ?? "/"), requestId);
  try {
    const result = await invokeFunction(ctx, config.functionName, config.qualifier, { payload: Buffer.from(JSON.stringify(event)), type: "RequestResponse", wantLog: false });
    if (result.functionError || !result.payload) return plain(502, "Internal Server Error");
    const response = httpResponse(result.payload);
    response.headers["x-amzn-requestid"] = requestId;
    return response;
  } catch (error) {
    if (isAwsError(error) && error.code === "TooManyRequestsException") return plain(429, "Rate Exceeded.");
    if (isAwsError(error) && error.code === "RequestTooLargeException") return plain(413, "Request Entity Too Large");
    if (isAwsError(error) && error.code === "ResourceNotFoundException") return plain(404, "Not Found");
    throw error;
  }
}
