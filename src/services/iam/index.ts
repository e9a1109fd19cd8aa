/** IAM (global, one scope per account): roles, managed and inline policies, instance profiles, users and access keys. */
// Gaps: groups, login profiles/MFA, OIDC/SAML providers, policy evaluation (nothing is denied),
// credential reports, account aliases and password policy answer NotImplemented. AWS managed policies carry only
// their default version (the recording has no older ones) and no Description.
import type { IamOperations } from "../../generated/iam.ts";
import { defineService, type ServiceDefinition } from "../service-types.ts";
import { accessKeyHandlers } from "./handlers/access-keys.ts";
import { instanceProfileHandlers } from "./handlers/instance-profiles.ts";
import { policyHandlers } from "./handlers/policies.ts";
import { policyVersionHandlers } from "./handlers/policy-versions.ts";
import { rolePolicyHandlers } from "./handlers/role-policies.ts";
import { roleHandlers } from "./handlers/roles.ts";
import { serviceLinkedRoleHandlers } from "./handlers/service-linked-roles.ts";
import { userHandlers } from "./handlers/users.ts";

export const iamService: ServiceDefinition = defineService<IamOperations>("iam", {
  ...roleHandlers,
  ...rolePolicyHandlers,
  ...serviceLinkedRoleHandlers,
  ...policyHandlers,
  ...policyVersionHandlers,
  ...instanceProfileHandlers,
  ...userHandlers,
  ...accessKeyHandlers,
});
