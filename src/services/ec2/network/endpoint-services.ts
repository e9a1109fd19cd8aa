/** The AWS services a VPC endpoint can reach in a region (DescribeVpcEndpointServices), and the endpoint type each supports. */
import type { ServiceDetail } from "@aws-sdk/client-ec2";
import type { Ec2Operations } from "../../../generated/ec2.ts";
import { crypto } from "../../../shared/builtins.ts";
import type { HandlerTable, RequestContext } from "../../service-types.ts";
import { availabilityZoneNames } from "../catalog/api.ts";
import { checkDryRun, ec2Error } from "../shared/errors.ts";
import { applyFilters } from "../shared/filters.ts";
import { paginate } from "../shared/paging.ts";

/** Services with Gateway endpoints (S3 also offers Interface endpoints). */
const GATEWAY_SERVICES = ["s3", "dynamodb"];

/** A selection of the Interface (PrivateLink) services AWS offers in every commercial region. */
const INTERFACE_SERVICES = [
  "autoscaling", "ec2", "ec2messages", "ecr.api", "ecr.dkr", "ecs", "ecs-agent", "ecs-telemetry", "eks", "elasticloadbalancing",
  "events", "execute-api", "kms", "lambda", "logs", "monitoring", "s3", "secretsmanager", "sns", "sqs", "ssm", "ssmmessages", "sts",
];

export type EndpointKind = "Gateway" | "Interface";

/** The endpoint types a service name supports in the caller's region (empty when it is no known service). */
export function endpointTypesOf(ctx: RequestContext, serviceName: string): EndpointKind[] {
  const prefix = `com.amazonaws.${ctx.region}.`;
  if (!serviceName.startsWith(prefix)) return [];
  const service = serviceName.slice(prefix.length);
  const types: EndpointKind[] = [];
  if (GATEWAY_SERVICES.includes(service)) types.push("Gateway");
  if (INTERFACE_SERVICES.includes(service)) types.push("Interface");
  return types;
}

const serviceId = (name: string): string => `vpce-svc-${crypto.createHash("sha256").update(name).digest("hex").slice(0, 17)}`;

function serviceDetails(ctx: RequestContext): ServiceDetail[] {
  const zones = availabilityZoneNames(ctx);
  const details: ServiceDetail[] = [];
  const names = [...new Set([...GATEWAY_SERVICES, ...INTERFACE_SERVICES])].sort();
  for (const service of names) {
    const name = `com.amazonaws.${ctx.region}.${service}`;
    for (const type of endpointTypesOf(ctx, name)) {
      details.push({
        ServiceName: name,
        ServiceId: serviceId(`${name}/${type}`),
        ServiceType: [{ ServiceType: type }],
        ServiceRegion: ctx.region,
        AvailabilityZones: zones,
        Owner: "amazon",
        BaseEndpointDnsNames: [type === "Gateway" ? `${service}.${ctx.region}.amazonaws.com` : `${service}.${ctx.region}.vpce.amazonaws.com`],
        ...(type === "Interface" ? { PrivateDnsName: `${service}.${ctx.region}.amazonaws.com`, PrivateDnsNameVerificationState: "verified" as const } : {}),
        VpcEndpointPolicySupported: true,
        AcceptanceRequired: false,
        ManagesVpcEndpoints: false,
        SupportedIpAddressTypes: ["ipv4"],
        Tags: [],
      });
    }
  }
  return details;
}

export const endpointServiceHandlers: HandlerTable<Ec2Operations> = {
  DescribeVpcEndpointServices: (input, ctx) => {
    let details = serviceDetails(ctx);
    if (input.ServiceNames && input.ServiceNames.length > 0) {
      for (const name of input.ServiceNames) {
        if (!details.some((d) => d.ServiceName === name)) throw ec2Error("InvalidServiceName", `The Vpc Endpoint Service '${name}' does not exist`);
      }
      const names = new Set(input.ServiceNames);
      details = details.filter((d) => names.has(d.ServiceName ?? ""));
    }
    checkDryRun(input);
    const filtered = applyFilters(
      details,
      input.Filters,
      {
        "service-name": (d) => d.ServiceName,
        "service-type": (d) => (d.ServiceType ?? []).map((t) => t.ServiceType),
        "service-region": (d) => d.ServiceRegion,
        owner: (d) => d.Owner,
        "supported-ip-address-types": (d) => d.SupportedIpAddressTypes ?? [],
      },
      (d) => d.Tags,
    );
    const page = paginate(filtered, input.MaxResults, input.NextToken, { min: 5, max: 1000 });
    return { ServiceNames: [...new Set(page.items.map((d) => d.ServiceName ?? ""))], ServiceDetails: page.items, NextToken: page.nextToken };
  },
};
