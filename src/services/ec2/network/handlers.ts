/** The network family's handler table, composed from one file per resource. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { gatewayHandlers } from "./gateways.ts";
import { routeTableHandlers } from "./route-tables.ts";
import { securityGroupHandlers } from "./security-groups.ts";
import { securityGroupRuleHandlers } from "./sg-rules.ts";
import { subnetHandlers } from "./subnets.ts";
import { vpcHandlers } from "./vpcs.ts";

export const networkHandlers: HandlerTable<Ec2Operations> = {
  ...vpcHandlers,
  ...subnetHandlers,
  ...gatewayHandlers,
  ...routeTableHandlers,
  ...securityGroupHandlers,
  ...securityGroupRuleHandlers,
};
