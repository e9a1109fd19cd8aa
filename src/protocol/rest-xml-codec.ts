/** The restXml codec (S3, path-style): REST routing and HTTP bindings, XML payloads, S3's `<Error>` documents. */
import type { AwsError } from "../shared/aws-error.ts";
import type { Codec, ParsedRequest, Value } from "./codec.ts";
import type { HttpRequest, HttpResponse } from "./http-types.ts";
import type { LoadedModel } from "./model-registry.ts";
import { decodePathSegment, findRoute, httpBindings, matchRoute, parseQuery, rawPayload, readHttpBindings, writeHttpBindings } from "./rest-binding.ts";
import type { Binding, RouteMatch } from "./rest-binding.ts";
import { blobBytes } from "./values.ts";
import { decodeAwsChunked, isAwsChunked } from "./xml-aws-chunked.ts";
import { parseXml } from "./xml-reader.ts";
import { XmlShapeReader } from "./xml-shape-reader.ts";
import { XmlShapeWriter, escapeXml } from "./xml-writer.ts";

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const XML_TYPE = "application/xml";
/** S3 answers a header, query or label value of the wrong type with InvalidArgument, bad XML with MalformedXML. */
const ARGUMENT_ERROR = "InvalidArgument";
const XML_ERROR = "MalformedXML";
const XML_NAME = /^[A-Za-z_][\w.-]*$/;

function namespaceOf(model: LoadedModel): string {
  return model.memo("rest-xml:namespace", () => escapeXml(model.model.xmlNamespace ?? ""));
}

const readerFor = (model: LoadedModel): XmlShapeReader => model.memo("rest-xml:reader", () => new XmlShapeReader(model, XML_ERROR));

/**
 * Path-style addressing: `/bucket/key…`. The SDK's model URIs leave the bucket out (`/{Key+}`), so the
 * first segment is taken as the Bucket label; service-level calls (ListBuckets: `/`) have none. A path
 * whose first segment is an operation literal (WriteGetObjectResponse) is retried without a bucket.
 */
function route(model: LoadedModel, request: HttpRequest, query: Map<string, string[]>): RouteMatch {
  const path = request.path;
  const slash = path.indexOf("/", 1);
  const first = slash === -1 ? path.slice(1) : path.slice(1, slash);
  if (first !== "") {
    const rest = slash === -1 ? "/" : path.slice(slash);
    const match = findRoute(model, request.method, rest, query, request.headers, { Bucket: decodePathSegment(first) });
    if (match !== undefined) return match;
  }
  return matchRoute(model, request.method, path, query, request.headers);
}

/** The body member bound with httpPayload: raw bytes for blobs, text for strings, else an XML document. */
function readPayload(model: LoadedModel, b: Binding, body: Buffer): Value {
  const raw = rawPayload(b, body);
  if (raw !== undefined) return raw;
  if (body.length === 0) return undefined;
  return readerFor(model).value(b.ref, parseXml(body.toString("utf8"), XML_ERROR), b.name);
}

/** Request headers with an aws-chunked body unwrapped: trailers become headers, the encoding and
 *  length describe the decoded content (so ContentEncoding/ContentLength read as the caller meant). */
function unchunk(request: HttpRequest): { headers: Record<string, string>; body: Buffer } {
  if (!isAwsChunked(request.headers) || request.body.length === 0) return { headers: request.headers, body: request.body };
  const { body, trailers } = decodeAwsChunked(request.body);
  const headers: Record<string, string> = { ...request.headers, ...trailers };
  const encoding = (headers["content-encoding"] ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "" && part !== "aws-chunked")
    .join(", ");
  if (encoding === "") delete headers["content-encoding"];
  else headers["content-encoding"] = encoding;
  headers["content-length"] = headers["x-amz-decoded-content-length"] ?? String(body.length);
  return { headers, body };
}

function hasHeader(headers: Record<string, string>, lowerName: string): boolean {
  for (const name of Object.keys(headers)) if (name.toLowerCase() === lowerName) return true;
  return false;
}

/** `<Root xmlns="…">members</Root>` for a structure (an output, or a structure payload). */
function xmlDocument(model: LoadedModel, shapeName: string, value: unknown, rootName: string): string {
  const shape = model.shape(shapeName);
  const ns = shape?.type === "structure" && shape.xmlNamespace !== undefined ? escapeXml(shape.xmlNamespace) : namespaceOf(model);
  const writer = new XmlShapeWriter(model, { emptyListsForAbsent: false });
  writer.out = XML_DECLARATION;
  writer.structureElement(shapeName, value, rootName, ns === "" ? "" : ` xmlns="${ns}"`);
  return writer.out;
}

export const restXmlCodec: Codec = {
  protocol: "restXml",

  parseRequest(request: HttpRequest, model: LoadedModel): ParsedRequest {
    const query = parseQuery(request.rawQuery);
    const match = route(model, request, query);
    const { headers, body } = unchunk(request);
    const shape = model.inputShape(match.operation);
    const bindings = httpBindings(model, shape);
    let input: Record<string, Value> = {};
    if (bindings.payload !== undefined) {
      const payload = readPayload(model, bindings.payload, body);
      if (payload !== undefined) input[bindings.payload.name] = payload;
    } else if (bindings.body.length > 0 && body.length > 0) {
      const name = model.operation(match.operation)?.input;
      if (name !== undefined) input = readerFor(model).structure(name, parseXml(body.toString("utf8"), XML_ERROR));
    }
    readHttpBindings(bindings, { labels: match.labels, query, headers, route: match.route }, ARGUMENT_ERROR, input);
    return { operation: match.operation, input };
  },

  serializeResponse(model: LoadedModel, operation: string, output: Record<string, Value>, requestId: string): HttpResponse {
    const op = model.operation(operation);
    const shape = model.outputShape(operation);
    const bindings = httpBindings(model, shape);
    const headers: Record<string, string> = { "x-amz-request-id": requestId, "x-amzn-requestid": requestId };
    const status = writeHttpBindings(bindings, output, headers) ?? op?.http?.[2] ?? 200;
    let body: string | Buffer = "";
    let contentType: string | undefined;
    const payload = bindings.payload;
    if (payload !== undefined) {
      const value = output[payload.name];
      const absent = value === undefined || value === null;
      if (payload.kind === "blob" || payload.kind === "streamingBlob") {
        // No default Content-Type: S3 outputs model it as a member (GetObject ContentType), so the
        // handler's value is the one to send; inventing one would surface as a member the caller never set.
        if (!absent) body = blobBytes(value);
      } else if (payload.kind === "string") {
        if (!absent) body = String(value);
        contentType = "text/plain";
      } else {
        // A structure payload is always written, empty if need be: S3 always sends the document, and
        // the SDK takes an empty 200 to CopyObject/UploadPartCopy for an aborted request.
        const target = model.shape(payload.ref.t);
        const root = payload.ref.xmlName ?? (target?.type === "structure" ? target.xmlName : undefined) ?? payload.name;
        body = xmlDocument(model, payload.ref.t, absent ? {} : value, root);
        contentType = XML_TYPE;
      }
    } else if (operation === "GetBucketLocation") {
      // S3 writes the constraint as the root's text (empty for us-east-1), not as a nested element.
      const location = output.LocationConstraint;
      const text = typeof location === "string" && location !== "" ? escapeXml(location) : "";
      body = `${XML_DECLARATION}<LocationConstraint xmlns="${namespaceOf(model)}">${text}</LocationConstraint>`;
      contentType = XML_TYPE;
    } else if (bindings.body.length > 0 && op?.output !== undefined) {
      body = xmlDocument(model, op.output, output, shape.xmlName ?? op.output);
      contentType = XML_TYPE;
    }
    // HEAD answers carry headers only; 204 and 304 carry no body by HTTP's rules.
    if (op?.http?.[0] === "HEAD" || status === 204 || status === 304) body = "";
    if (contentType !== undefined && !hasHeader(headers, "content-type")) headers["content-type"] = contentType;
    return { status, headers, body };
  },

  serializeError(model: LoadedModel, operation: string | undefined, error: AwsError, requestId: string): HttpResponse {
    const found = model.errorShape(error.code);
    const code = found?.name ?? error.code;
    const status = error.status ?? found?.shape.error?.status ?? (error.server ? 500 : 400);
    const headers: Record<string, string> = {
      "content-type": XML_TYPE,
      "x-amz-request-id": requestId,
      "x-amz-id-2": requestId,
      "x-amzn-requestid": requestId,
    };
    // A HEAD error has no body: clients go by the status (the SDK names a bare 404 NotFound).
    if (operation !== undefined && model.operation(operation)?.http?.[0] === "HEAD") return { status, headers, body: "" };
    const writer = new XmlShapeWriter(model, { emptyListsForAbsent: false });
    writer.out = `${XML_DECLARATION}<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(error.message)}</Message>`;
    // S3 adds context elements (<BucketName>, <Key>, <Resource> …): modelled members by their shape,
    // anything else as text.
    const members = found?.shape.members ?? {};
    for (const [name, value] of Object.entries(error.fields)) {
      if (name === "Message" || name === "message" || name === "Code" || value === undefined || value === null) continue;
      const ref = Object.hasOwn(members, name) ? members[name] : undefined;
      if (ref !== undefined) writer.element(ref, value, ref.xmlName ?? name);
      else if (XML_NAME.test(name) && (typeof value === "string" || typeof value === "number" || typeof value === "boolean")) {
        writer.out += `<${name}>${escapeXml(String(value))}</${name}>`;
      }
    }
    writer.out += `<RequestId>${escapeXml(requestId)}</RequestId><HostId>${escapeXml(requestId)}</HostId></Error>`;
    return { status, headers, body: writer.out };
  },
};

