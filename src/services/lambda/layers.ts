/** Layers attached to functions: ARNs checked against the published layer versions (at most 5, as AWS allows). */
import type { RequestContext } from "../service-types.ts";
import { invalidParameter } from "./errors.ts";

export interface LayerVersionRecord {
  LayerArn: string;
  LayerVersionArn: string;
  codeDigest: string;
}

export const layerVersions = (ctx: RequestContext) => ctx.state.table<LayerVersionRecord>("lambda", "layer-versions");

export function checkLayers(ctx: RequestContext, arns: string[] | undefined): string[] {
  if (!arns?.length) return [];
  if (arns.length > 5) throw invalidParameter("Cannot reference more than 5 layers.");
  for (const arn of arns) {
    if (!layerVersions(ctx).has(ctx, arn)) throw invalidParameter(`Layer version ${arn} does not exist.`);
  }
  return arns;
}
