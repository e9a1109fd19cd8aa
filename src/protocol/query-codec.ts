/** The awsQuery protocol (STS, IAM, Auto Scaling, CloudWatch for older clients): form requests, XML responses. */
import type { AwsError } from "../shared/aws-error.ts";
import type { Codec } from "./codec.ts";
import type { HttpResponse } from "./http-types.ts";
import type { LoadedModel } from "./model-registry.ts";
import { parseQueryRequest } from "./query-request.ts";
import { XmlShapeWriter, escapeXml } from "./xml-writer.ts";

const CONTENT_TYPE = "text/xml";

/** The model's xmlNamespace (CloudWatch keeps one although its primary protocol is JSON). */
function namespaceOf(model: LoadedModel): string {
  return model.memo("query-codec:namespace", () =>
    escapeXml(model.model.xmlNamespace ?? `https://${model.model.signingName}.amazonaws.com/doc/${model.model.apiVersion}/`),
  );
}

export interface QueryErrorInfo {
  code: string;
  status: number;
  type: "Sender" | "Receiver";
}

/**
 * Code and status as AWS writes them for awsQuery: a modelled error uses its awsQueryError code/status
 * (IAM's `NoSuchEntityException` goes out as `NoSuchEntity`, 404), else the shape name and its status.
 * A status the handler set explicitly wins; unmodelled codes (InvalidAction …) pass through.
 */
export function queryErrorInfo(model: LoadedModel, error: AwsError): QueryErrorInfo {
  const found = model.errorShape(error.code);
  const traits = found?.shape.error;
  let code = error.code;
  let status = error.status;
  let server = error.server;
  if (found !== undefined && traits !== undefined) {
    code = traits.queryCode ?? found.name;
    status ??= traits.queryStatus ?? traits.status;
    server ||= traits.fault === "server";
  }
  status ??= server ? 500 : 400;
  return { code, status, type: server || status >= 500 ? "Receiver" : "Sender" };
}

export const queryCodec: Codec = {
  protocol: "awsQuery",

  parseRequest(request, model) {
    return parseQueryRequest(request, model, "awsQuery");
  },

  serializeResponse(model, operation, output, requestId): HttpResponse {
    const writer = new XmlShapeWriter(model, { emptyListsForAbsent: false });
    const root = `${operation}Response`;
    writer.out = `<${root} xmlns="${namespaceOf(model)}">`;
    const outputShape = model.operation(operation)?.output;
    // Operations without output (PutRolePolicy) answer only the ResponseMetadata, as IAM does.
    if (outputShape !== undefined) {
      writer.out += `<${operation}Result>`;
      writer.members(outputShape, output);
      writer.out += `</${operation}Result>`;
    }
    writer.out += `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata></${root}>`;
    return { status: 200, headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": requestId }, body: writer.out };
  },

  serializeError(model, _operation, error: AwsError, requestId): HttpResponse {
    const info = queryErrorInfo(model, error);
    const writer = new XmlShapeWriter(model, { emptyListsForAbsent: false });
    writer.out =
      `<ErrorResponse xmlns="${namespaceOf(model)}"><Error><Type>${info.type}</Type>` +
      `<Code>${escapeXml(info.code)}</Code><Message>${escapeXml(error.message)}</Message>`;
    // Further members of the modelled error (rare in query services) travel inside <Error> as well.
    const found = model.errorShape(error.code);
    if (found !== undefined) {
      for (const [name, ref] of Object.entries(found.shape.members)) {
        if (name === "message" || name === "Message" || !Object.hasOwn(error.fields, name)) continue;
        writer.element(ref, error.fields[name], ref.xmlName ?? name);
      }
    }
    writer.out += `</Error><RequestId>${escapeXml(requestId)}</RequestId></ErrorResponse>`;
    return { status: info.status, headers: { "content-type": CONTENT_TYPE, "x-amzn-requestid": requestId }, body: writer.out };
  },
};
