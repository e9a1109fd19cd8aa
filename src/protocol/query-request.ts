/** Reads the Action and the input of an ec2/awsQuery request from its query string and form body. */
import { AwsError } from "../shared/aws-error.ts";
import type { ParsedRequest } from "./codec.ts";
import { newFormNode, parseFormInto } from "./form-parser.ts";
import type { HttpRequest } from "./http-types.ts";
import type { LoadedModel } from "./model-registry.ts";
import { queryDecoderFor } from "./query-decoder.ts";
import type { QueryDialect } from "./query-decoder.ts";

/**
 * Parameters may travel in the URL (GET `?Action=DescribeRegions&…`, as old tools send) and in the
 * form body (what the SDKs POST); both are merged, the body winning on a duplicate key.
 */
export function parseQueryRequest(request: HttpRequest, model: LoadedModel, dialect: QueryDialect): ParsedRequest {
  const root = newFormNode();
  if (request.rawQuery !== "") parseFormInto(root, request.rawQuery);
  if (request.body.length > 0) parseFormInto(root, request.body.toString("utf8"));
  const action = root.children?.get("Action")?.value;
  if (action === undefined || action === "") {
    throw new AwsError("InvalidAction", "The request must contain the parameter Action.");
  }
  const operation = model.operation(action);
  if (operation === undefined) {
    throw new AwsError("InvalidAction", `The action ${action} is not valid for this web service.`);
  }
  return { operation: action, input: queryDecoderFor(model, dialect).decodeInput(operation.input, root) };
}
