/** The AWS request pipeline, in order: detect → caller scope → parse → validate → dispatch → serialize. */
import { AwsError, internalFailure, isAwsError, notImplemented } from "../shared/aws-error.ts";
import { log } from "../shared/log.ts";
import { crypto } from "../shared/builtins.ts";
import { loadCodec } from "../protocol/codecs.ts";
import { validateInput } from "../protocol/validate.ts";
import type { HttpRequest, HttpResponse } from "../protocol/http-types.ts";
import { serviceDefinition } from "../services/registry.ts";
import { accountForAccessKey } from "../services/sts/credentials.ts";
import type { RequestContext } from "../services/service-types.ts";
import { accountFor, callerScope } from "./identity.ts";
import { unknownServiceResponse } from "./fallback-errors.ts";
import type { App } from "./app.ts";

export async function handleAwsRequest(app: App, request: HttpRequest): Promise<HttpResponse> {
  const requestId = crypto.randomUUID();
  const caller = callerScope(request);
  const detected = app.detector.detect(request, caller.signingService);
  if (!detected) return unknownServiceResponse(request, requestId);

  const model = app.models.get(detected.service);
  const codec = await loadCodec(detected.protocol);
  let operation: string | undefined;
  try {
    const parsed = codec.parseRequest(request, model);
    operation = parsed.operation;
    validateInput(model, detected.protocol, operation, parsed.input);
    const handler = (await serviceDefinition(detected.service)).handlers[operation];
    if (!handler) throw notImplemented(operation);
    const context: RequestContext = {
      requestId,
      account: accountFor(caller.accessKeyId, (key) => accountForAccessKey(app.state, key)),
      region: caller.region,
      accessKeyId: caller.accessKeyId,
      service: detected.service,
      operation,
      endpoint: app.endpoint,
      state: app.state,
    };
    // The synchronous part of every handler is one transaction: an error thrown half-way leaves no
    // partial change behind, on disk or in memory. (Work after an `await` commits on its own.)
    const output = (await app.state.transaction(() => handler(parsed.input, context))) ?? {};
    return codec.serializeResponse(model, operation, output as Record<string, unknown>, requestId);
  } catch (error) {
    const awsError = toAwsError(error, detected.service, operation);
    try {
      return codec.serializeError(model, operation, awsError, requestId);
    } catch (serializeFailure) {
      log.error(`could not serialize ${awsError.code} for ${detected.service}.${operation ?? "?"}`, serializeFailure);
      return unknownServiceResponse(request, requestId, internalFailure());
    }
  }
}

/** Handler bugs become InternalFailure (logged with the stack); the caller never sees a bare 500. */
function toAwsError(error: unknown, service: string, operation: string | undefined): AwsError {
  if (isAwsError(error)) return error;
  log.error(`unexpected failure in ${service}.${operation ?? "?"}`, error);
  return internalFailure();
}
