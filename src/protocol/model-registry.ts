/** Loads the routing index at start and each service's model on first use. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ModelIndex, OperationModel, PrimitiveType, ServiceModel, Shape, StructureShape } from "./model-types.ts";

const modelsDir = fileURLToPath(new URL("../../models/", import.meta.url));

const PRIMITIVE_TYPES: ReadonlySet<string> = new Set<PrimitiveType>([
  "string",
  "number",
  "boolean",
  "blob",
  "streamingBlob",
  "timestamp",
  "document",
  "bigInteger",
  "bigDecimal",
]);

export const isPrimitive = (target: string): target is PrimitiveType => PRIMITIVE_TYPES.has(target);

const EMPTY_STRUCTURE: StructureShape = { type: "structure", members: {} };

/** A parsed service model plus lookups and a per-codec cache (route tables, name maps …). */
export class LoadedModel {
  readonly model: ServiceModel;
  /** Codecs keep their derived tables here, keyed by a name of their own. */
  readonly cache = new Map<string, unknown>();

  constructor(model: ServiceModel) {
    this.model = model;
  }

  get id(): string {
    return this.model.id;
  }

  operation(name: string): OperationModel | undefined {
    return Object.hasOwn(this.model.operations, name) ? this.model.operations[name] : undefined;
  }

  shape(name: string): Shape | undefined {
    return Object.hasOwn(this.model.shapes, name) ? this.model.shapes[name] : undefined;
  }

  /** The input structure of an operation (an empty one when it takes none). */
  inputShape(operation: string): StructureShape {
    return this.structure(this.operation(operation)?.input);
  }

  outputShape(operation: string): StructureShape {
    return this.structure(this.operation(operation)?.output);
  }

  /**
   * The modelled error for a code a handler threw: matched by shape name, by `<code>Exception`, or by
   * its awsQuery code (IAM's `NoSuchEntity` is the shape `NoSuchEntityException`).
   */
  errorShape(code: string): { name: string; shape: StructureShape } | undefined {
    const byQueryCode = this.memo("errors-by-query-code", () => {
      const map = new Map<string, string>();
      for (const name of this.model.errors) {
        const shape = this.shape(name);
        if (shape?.type === "structure" && shape.error?.queryCode) map.set(shape.error.queryCode, name);
      }
      return map;
    });
    for (const name of [code, `${code}Exception`, byQueryCode.get(code)]) {
      if (!name) continue;
      const shape = this.shape(name);
      if (shape?.type === "structure" && shape.error) return { name, shape };
    }
    return undefined;
  }

  private structure(name: string | undefined): StructureShape {
    if (!name) return EMPTY_STRUCTURE;
    const shape = this.shape(name);
    return shape?.type === "structure" ? shape : EMPTY_STRUCTURE;
  }

  /** Cached derived data for a codec: computed once per model. */
  memo<T>(key: string, build: () => T): T {
    if (this.cache.has(key)) return this.cache.get(key) as T;
    const value = build();
    this.cache.set(key, value);
    return value;
  }
}

export class ModelRegistry {
  readonly index: ModelIndex;
  private readonly loaded = new Map<string, LoadedModel>();
  private readonly dir: string;

  constructor(dir: string = modelsDir) {
    this.dir = dir;
    this.index = JSON.parse(readFileSync(`${dir}/index.json`, "utf8")) as ModelIndex;
  }

  serviceIds(): string[] {
    return Object.keys(this.index.services);
  }

  has(id: string): boolean {
    return Object.hasOwn(this.index.services, id);
  }

  isLoaded(id: string): boolean {
    return this.loaded.has(id);
  }

  get(id: string): LoadedModel {
    let model = this.loaded.get(id);
    if (!model) {
      if (!this.has(id)) throw new Error(`unknown service ${id}`);
      model = new LoadedModel(JSON.parse(readFileSync(`${this.dir}/${id}.json`, "utf8")) as ServiceModel);
      this.loaded.set(id, model);
    }
    return model;
  }
}
