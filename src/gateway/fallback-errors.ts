/** Errors answered before a service and protocol are known: shaped after what the request looks like. */
import { AwsError } from "../shared/aws-error.ts";
import type { HttpRequest, HttpResponse } from "../protocol/http-types.ts";

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** JSON for JSON-looking requests, else the query protocol's XML error shape. */
export function errorLikeRequest(request: HttpRequest | undefined, requestId: string, error: AwsError): HttpResponse {
  const status = error.status ?? 400;
  const wantsJson =
    request !== undefined &&
    (request.headers["x-amz-target"] !== undefined || (request.headers["content-type"] ?? "").includes("json"));
  if (wantsJson) {
    return {
      status,
      headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": error.code },
      body: JSON.stringify({ __type: error.code, message: error.message }),
    };
  }
  const type = error.server ? "Receiver" : "Sender";
  return {
    status,
    headers: { "content-type": "text/xml" },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

export function unknownServiceResponse(request: HttpRequest, requestId: string, error?: AwsError): HttpResponse {
  const target = request.headers["x-amz-target"];
  const fallback = target
    ? new AwsError("UnknownOperationException", `Stratus does not serve the target ${target}.`)
    : new AwsError("InvalidAction", "Stratus could not tell which AWS service this request is for (no X-Amz-Target, Action or recognised SigV4 credential scope).");
  return errorLikeRequest(request, requestId, error ?? fallback);
}
