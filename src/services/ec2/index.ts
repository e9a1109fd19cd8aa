/** EC2: the handler tables of each resource family, merged into one service definition. */
import type { Ec2Operations } from "../../generated/ec2.ts";
import { defineService } from "../service-types.ts";
import { tagHandlers } from "./shared/tag-handlers.ts";
import { instanceHandlers } from "./instances/handlers.ts";
import { networkHandlers } from "./network/handlers.ts";
import { catalogHandlers } from "./catalog/handlers.ts";
import { storageHandlers } from "./storage/handlers.ts";
import { familyHandlers } from "./family/handlers.ts";

export const ec2Service = defineService<Ec2Operations>("ec2", {
  ...tagHandlers,
  ...instanceHandlers,
  ...networkHandlers,
  ...catalogHandlers,
  ...storageHandlers,
  ...familyHandlers,
});
