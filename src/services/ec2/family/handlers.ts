/** The compute family's EC2 operations: key pairs, launch templates, placement groups, dedicated hosts. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { hostHandlers } from "./hosts.ts";
import { keyPairHandlers } from "./key-pairs.ts";
import { launchTemplateHandlers } from "./launch-templates.ts";
import { placementGroupHandlers } from "./placement-groups.ts";
import { templateFromInstanceHandlers } from "./template-from-instance.ts";

export const familyHandlers: HandlerTable<Ec2Operations> = {
  ...keyPairHandlers,
  ...launchTemplateHandlers,
  ...templateFromInstanceHandlers,
  ...placementGroupHandlers,
  ...hostHandlers,
};
