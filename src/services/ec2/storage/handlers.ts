/** The storage family's handler table: EBS volumes, volume modifications and snapshots. */
import type { Ec2Operations } from "../../../generated/ec2.ts";
import type { HandlerTable } from "../../service-types.ts";
import { encryptionHandlers } from "./encryption.ts";
import { modificationHandlers } from "./modifications.ts";
import { publicAccessHandlers } from "./public-access.ts";
import { snapshotHandlers } from "./snapshots.ts";
import { volumeHandlers } from "./volumes.ts";

export const storageHandlers: HandlerTable<Ec2Operations> = {
  ...volumeHandlers,
  ...modificationHandlers,
  ...snapshotHandlers,
  ...encryptionHandlers,
  ...publicAccessHandlers,
};
