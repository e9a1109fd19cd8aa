/** The storage family's handler table: EBS volumes and snapshots. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";

export const storageHandlers: HandlerTable<Ec2Operations> = {};
