/** A role's inline policies (Put/Get/List/DeleteRolePolicy) and managed-policy attachments (Attach/Detach/ListAttachedRolePolicies). */
import type { IamOperations } from "../../../generated/iam.ts";
import type { HandlerTable } from "../../service-types.ts";
import { attachPolicy, deleteInline, detachPolicy, getInline, listAttached, listInline, pageFields, putInline, ROLE } from "../principal-policies.ts";
import { checkName } from "../validate.ts";

const roleName = (value: string | undefined): string => checkName(value, "roleName", 64);

export const rolePolicyHandlers: HandlerTable<IamOperations> = {
  PutRolePolicy(input, ctx) {
    putInline(ctx, ROLE, roleName(input.RoleName), input.PolicyName, input.PolicyDocument);
    return {};
  },

  /** The document comes back URL-encoded, as IAM sends it. */
  GetRolePolicy(input, ctx) {
    const policy = getInline(ctx, ROLE, roleName(input.RoleName), input.PolicyName);
    return { RoleName: policy.principal, PolicyName: policy.PolicyName, PolicyDocument: policy.PolicyDocument };
  },

  ListRolePolicies(input, ctx) {
    const page = listInline(ctx, ROLE, roleName(input.RoleName), input.Marker, input.MaxItems);
    return { PolicyNames: page.items, ...pageFields(page) };
  },

  DeleteRolePolicy(input, ctx) {
    deleteInline(ctx, ROLE, roleName(input.RoleName), input.PolicyName);
    return {};
  },

  AttachRolePolicy(input, ctx) {
    attachPolicy(ctx, ROLE, roleName(input.RoleName), input.PolicyArn);
    return {};
  },

  DetachRolePolicy(input, ctx) {
    detachPolicy(ctx, ROLE, roleName(input.RoleName), input.PolicyArn);
    return {};
  },

  ListAttachedRolePolicies(input, ctx) {
    const page = listAttached(ctx, ROLE, roleName(input.RoleName), input.PathPrefix, input.Marker, input.MaxItems);
    return { AttachedPolicies: page.items, ...pageFields(page) };
  },
};
