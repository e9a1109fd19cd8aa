/** The compact model format (IR) that `npm run models` extracts from the AWS SDK and the codecs walk. */

export type ProtocolName = "ec2" | "awsQuery" | "awsJson1_0" | "awsJson1_1" | "restJson1" | "restXml";

/** Scalar targets a member may point at instead of a named shape. */
export type PrimitiveType =
  | "string"
  | "number"
  | "boolean"
  | "blob"
  | "streamingBlob"
  | "timestamp"
  | "document"
  | "bigInteger"
  | "bigDecimal";

export type TimestampFormat = "date-time" | "http-date" | "epoch-seconds";

/** Where a member of a REST input/output travels in the HTTP message. */
export type HttpLocation = "label" | "query" | "queryParams" | "header" | "prefixHeaders" | "payload" | "statusCode";

export interface MemberRef {
  /** A key of `shapes`, or a primitive type name. */
  t: string;
  xmlName?: string;
  ec2QueryName?: string;
  xmlFlattened?: boolean;
  xmlAttribute?: boolean;
  xmlNamespace?: string;
  jsonName?: string;
  location?: HttpLocation;
  /** Header name, query key or prefix for the `location`. */
  locationName?: string;
  timestampFormat?: TimestampFormat;
  idempotencyToken?: boolean;
  hostLabel?: boolean;
  mediaType?: string;
  eventPayload?: boolean;
}

export interface ErrorTraits {
  fault: "client" | "server";
  /** HTTP status of the error (the model's httpError, else 400/500 by fault). */
  status: number;
  /** awsQueryError: the query-protocol code and status, when they differ from the shape name. */
  queryCode?: string;
  queryStatus?: number;
}

export interface StructureShape {
  type: "structure";
  members: Record<string, MemberRef>;
  required?: string[];
  union?: true;
  xmlName?: string;
  xmlNamespace?: string;
  error?: ErrorTraits;
  /** The structure is streamed (event streams). */
  streaming?: true;
}

export interface ListShape {
  type: "list";
  member: MemberRef;
  xmlFlattened?: boolean;
  xmlName?: string;
}

export interface MapShape {
  type: "map";
  key: MemberRef;
  value: MemberRef;
  xmlFlattened?: boolean;
  xmlName?: string;
}

export type Shape = StructureShape | ListShape | MapShape;

export interface OperationModel {
  /** Input structure name; absent when the operation takes no input. */
  input?: string;
  output?: string;
  /** REST binding: method, URI template (may carry a query literal), success status. */
  http?: [string, string, number];
  /** Host prefix the SDK prepends (e.g. Logs StartLiveTail: "streaming-"). */
  hostPrefix?: string;
}

export interface ServiceModel {
  /** Stratus's service id (e.g. "auto-scaling"). */
  id: string;
  sdkPackage: string;
  sdkVersion: string;
  sdkServiceId: string;
  protocol: ProtocolName;
  /** Alternative protocols the same model is served in (CloudWatch: awsQuery as well as awsJson1_0). */
  alsoServes?: ProtocolName[];
  awsQueryCompatible?: boolean;
  apiVersion: string;
  signingName: string;
  /** JSON protocols: the `X-Amz-Target` prefix. */
  targetPrefix: string;
  xmlNamespace?: string;
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
  /** Names of the error structures in `shapes`. */
  errors: string[];
}

/** The small routing index read at start-up; service models are loaded on first use. */
export interface ModelIndex {
  services: Record<
    string,
    {
      protocol: ProtocolName;
      alsoServes?: ProtocolName[];
      signingName: string;
      targetPrefix: string;
      apiVersion: string;
      /** REST services: the first literal path segments of their operations, for detection. */
      pathPrefixes?: string[];
    }
  >;
}
