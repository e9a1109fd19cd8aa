/** The catalog family's handler table: regions and zones, instance types and offerings, images. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { imageCreateHandlers } from "./images-create.ts";
import { imageHandlers } from "./images.ts";
import { instanceTypeHandlers } from "./instance-types.ts";
import { zoneHandlers } from "./zones.ts";

export const catalogHandlers: HandlerTable<Ec2Operations> = {
  ...zoneHandlers,
  ...instanceTypeHandlers,
  ...imageHandlers,
  ...imageCreateHandlers,
};
