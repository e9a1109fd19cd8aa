/** The network family's handler table, composed from one file per resource. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { addressHandlers } from "./addresses.ts";
import { endpointServiceHandlers } from "./endpoint-services.ts";
import { endpointHandlers } from "./endpoints.ts";
import { eniHandlers } from "./enis.ts";
import { flowLogHandlers } from "./flow-logs.ts";
import { gatewayHandlers } from "./gateways.ts";
import { natGatewayHandlers } from "./nat-gateways.ts";
import { networkAclHandlers } from "./network-acls.ts";
import { peeringHandlers } from "./peering.ts";
import { prefixListHandlers } from "./prefix-lists.ts";
import { routeTableHandlers } from "./route-tables.ts";
import { securityGroupHandlers } from "./security-groups.ts";
import { securityGroupRuleHandlers } from "./sg-rules.ts";
import { subnetHandlers } from "./subnets.ts";
import { vpcExtraHandlers } from "./vpc-extras.ts";
import { vpcHandlers } from "./vpcs.ts";
import { vpnGatewayHandlers } from "./vpn-gateways.ts";

export const networkHandlers: HandlerTable<Ec2Operations> = {
  ...vpcHandlers,
  ...vpcExtraHandlers,
  ...subnetHandlers,
  ...gatewayHandlers,
  ...natGatewayHandlers,
  ...routeTableHandlers,
  ...networkAclHandlers,
  ...securityGroupHandlers,
  ...securityGroupRuleHandlers,
  ...eniHandlers,
  ...addressHandlers,
  ...endpointHandlers,
  ...endpointServiceHandlers,
  ...prefixListHandlers,
  ...peeringHandlers,
  ...flowLogHandlers,
  ...vpnGatewayHandlers,
};
