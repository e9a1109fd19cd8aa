/** Checks required members of a decoded input and answers each protocol's validation error, as AWS does. */
import { AwsError } from "../shared/aws-error.ts";
import type { LoadedModel } from "./model-registry.ts";
import type { ProtocolName, StructureShape } from "./model-types.ts";

const MAX_DEPTH = 32;

const lowerCamel = (name: string): string => name.charAt(0).toLowerCase() + name.slice(1);

/** Walks the input and returns the path of the first missing required member, if any. */
function findMissing(model: LoadedModel, shape: StructureShape, value: Record<string, unknown>, path: string, depth: number): string | undefined {
  if (depth > MAX_DEPTH) return undefined;
  for (const name of shape.required ?? []) {
    const present = value[name];
    if (present === undefined || present === null) return path ? `${path}.${lowerCamel(name)}` : lowerCamel(name);
  }
  for (const [name, member] of Object.entries(shape.members)) {
    const child = value[name];
    if (child === undefined || child === null) continue;
    const missing = findMissingIn(model, member.t, child, path ? `${path}.${lowerCamel(name)}` : lowerCamel(name), depth + 1);
    if (missing) return missing;
  }
  return undefined;
}

function findMissingIn(model: LoadedModel, target: string, value: unknown, path: string, depth: number): string | undefined {
  const shape = model.shape(target);
  if (!shape || typeof value !== "object" || value === null) return undefined;
  if (shape.type === "structure") return findMissing(model, shape, value as Record<string, unknown>, path, depth);
  if (shape.type === "list" && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const missing = findMissingIn(model, shape.member.t, value[i], `${path}.${i + 1}.member`, depth + 1);
      if (missing) return missing;
    }
  }
  if (shape.type === "map") {
    for (const [key, entry] of Object.entries(value)) {
      const missing = findMissingIn(model, shape.value.t, entry, `${path}.${key}`, depth + 1);
      if (missing) return missing;
    }
  }
  return undefined;
}

/** EC2 names the parameter as it travels on the wire (`ImageId`); the others use Coral's message. */
export function validateInput(model: LoadedModel, protocol: ProtocolName, operation: string, input: Record<string, unknown>): void {
  const missing = findMissing(model, model.inputShape(operation), input, "", 0);
  if (!missing) return;
  if (protocol === "ec2") {
    const wireName = missing
      .split(".")
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join(".");
    throw new AwsError("MissingParameter", `The request must contain the parameter ${wireName}`);
  }
  const message = `1 validation error detected: Value null at '${missing}' failed to satisfy constraint: Member must not be null`;
  throw new AwsError(protocol === "awsQuery" ? "ValidationError" : "ValidationException", message);
}
