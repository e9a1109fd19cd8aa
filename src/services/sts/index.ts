/** STS: caller identity and temporary credentials that Stratus then accepts (they map to the account that issued them). */
// Gaps: AssumeRoleWithWebIdentity/SAML, AssumeRoot and DecodeAuthorizationMessage answer NotImplemented; trust and
// session policies are not evaluated; expired credentials are still accepted.
import type { StsOperations } from "../../generated/sts.ts";
import { defineService, type ServiceDefinition } from "../service-types.ts";
import { stsHandlers } from "./handlers.ts";

export const stsService: ServiceDefinition = defineService<StsOperations>("sts", stsHandlers);
