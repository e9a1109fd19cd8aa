/** Decides which service and protocol a request is for, cheapest signal first (see ARCHITECTURE.md). */
import type { HttpRequest } from "../protocol/http-types.ts";
import type { ModelIndex, ProtocolName } from "../protocol/model-types.ts";

export interface Detected {
  service: string;
  protocol: ProtocolName;
}

/** Signing names the SDKs use for some operations of a service (S3 directory buckets sign as s3express). */
const SIGNING_ALIASES: Record<string, string> = { s3express: "s3" };

/** Lookup tables built once from the routing index. */
export class ServiceDetector {
  private readonly byTarget = new Map<string, string>();
  private readonly bySigningName = new Map<string, string>();
  private readonly byApiVersion = new Map<string, string>();
  private readonly byPathPrefix = new Map<string, string>();
  private readonly index: ModelIndex;

  constructor(index: ModelIndex) {
    this.index = index;
    for (const [id, entry] of Object.entries(index.services)) {
      const isJson = entry.protocol === "awsJson1_0" || entry.protocol === "awsJson1_1";
      if (isJson) this.byTarget.set(entry.targetPrefix, id);
      this.bySigningName.set(entry.signingName, id);
      if (entry.protocol === "ec2" || entry.protocol === "awsQuery" || entry.alsoServes?.includes("awsQuery")) {
        this.byApiVersion.set(entry.apiVersion, id);
      }
      for (const prefix of entry.pathPrefixes ?? []) this.byPathPrefix.set(prefix, id);
    }
  }

  detect(request: HttpRequest, signingService: string | undefined): Detected | undefined {
    // 1. JSON protocols name their target.
    const target = request.headers["x-amz-target"];
    if (target) {
      const dot = target.lastIndexOf(".");
      const service = this.byTarget.get(target.slice(0, dot));
      if (service) return { service, protocol: this.protocolOf(service) };
      return undefined;
    }
    // 2. Query and EC2: a form body or ?Action=.
    const contentType = request.headers["content-type"] ?? "";
    const isForm = contentType.startsWith("application/x-www-form-urlencoded");
    if (isForm || /(?:^|&)Action=/.test(request.rawQuery)) {
      const service = this.serviceFromSignature(signingService) ?? this.serviceFromVersion(request, isForm);
      if (!service) return undefined;
      const protocol = this.protocolOf(service);
      if (protocol === "ec2" || protocol === "awsQuery") return { service, protocol };
      if (this.index.services[service]?.alsoServes?.includes("awsQuery")) return { service, protocol: "awsQuery" };
      return undefined;
    }
    // 3. REST: the credential scope, else the first path segment.
    const signed = this.serviceFromSignature(signingService);
    if (signed) return { service: signed, protocol: this.protocolOf(signed) };
    const segment = request.path.split("/")[1] ?? "";
    const byPath = this.byPathPrefix.get(segment);
    return byPath ? { service: byPath, protocol: this.protocolOf(byPath) } : undefined;
  }

  private serviceFromSignature(signingService: string | undefined): string | undefined {
    if (!signingService) return undefined;
    return this.bySigningName.get(SIGNING_ALIASES[signingService] ?? signingService);
  }

  private serviceFromVersion(request: HttpRequest, isForm: boolean): string | undefined {
    const source = isForm ? request.body.toString("latin1") : request.rawQuery;
    const version = /(?:^|&)Version=([^&]*)/.exec(source)?.[1];
    return version ? this.byApiVersion.get(decodeURIComponent(version)) : undefined;
  }

  private protocolOf(service: string): ProtocolName {
    const entry = this.index.services[service];
    if (!entry) throw new Error(`unknown service ${service}`);
    return entry.protocol;
  }
}
