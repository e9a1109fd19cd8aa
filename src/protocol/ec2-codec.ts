/** The EC2 query protocol: form-encoded requests, `<OpResponse>` XML responses, `<Response><Errors>` errors. */
import type { AwsError } from "../shared/aws-error.ts";
import type { Codec } from "./codec.ts";
import type { HttpResponse } from "./http-types.ts";
import type { LoadedModel } from "./model-registry.ts";
import { parseQueryRequest } from "./query-request.ts";
import { XmlShapeWriter, escapeXml } from "./xml-writer.ts";

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const CONTENT_TYPE = "text/xml;charset=UTF-8";

/** EC2 answers in `http://ec2.amazonaws.com/doc/<version>/` — with the trailing slash the model omits. */
function namespaceOf(model: LoadedModel): string {
  return model.memo("ec2-codec:namespace", () => {
    const ns = model.model.xmlNamespace ?? `http://ec2.amazonaws.com/doc/${model.model.apiVersion}`;
    return escapeXml(ns.endsWith("/") ? ns : `${ns}/`);
  });
}

export const ec2Codec: Codec = {
  protocol: "ec2",

  parseRequest(request, model) {
    return parseQueryRequest(request, model, "ec2");
  },

  serializeResponse(model, operation, output, requestId): HttpResponse {
    const writer = new XmlShapeWriter(model, { emptyListsForAbsent: true });
    const root = `${operation}Response`;
    writer.out = `${XML_DECLARATION}<${root} xmlns="${namespaceOf(model)}"><requestId>${escapeXml(requestId)}</requestId>`;
    const outputShape = model.operation(operation)?.output;
    if (outputShape !== undefined) writer.members(outputShape, output);
    // Actions without modelled output (CreateTags, DeleteVpc …) answer `<return>true</return>` on EC2.
    else writer.out += "<return>true</return>";
    writer.out += `</${root}>`;
    // A Buffer built once: the gateway sends it as is instead of encoding a joined copy.
    return { status: 200, headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": requestId }, body: writer.bytes() };
  },

  serializeError(_model, _operation, error: AwsError, requestId): HttpResponse {
    // EC2 models no errors: the code is AWS's documented string (InvalidInstanceID.NotFound …) and the
    // status is the handler's (DryRunOperation is 412), else 400 / 500 for server faults.
    const status = error.status ?? (error.server ? 500 : 400);
    const body =
      `${XML_DECLARATION}<Response><Errors><Error><Code>${escapeXml(error.code)}</Code>` +
      `<Message>${escapeXml(error.message)}</Message></Error></Errors>` +
      `<RequestID>${escapeXml(requestId)}</RequestID></Response>`;
    return { status, headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": requestId }, body };
  },
};
