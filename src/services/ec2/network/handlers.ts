/** The network family's handler table, composed from one file per resource. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { subnetHandlers } from "./subnets.ts";
import { vpcHandlers } from "./vpcs.ts";

export const networkHandlers: HandlerTable<Ec2Operations> = {
  ...vpcHandlers,
  ...subnetHandlers,
};
