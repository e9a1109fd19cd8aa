/** What other services may ask IAM in-process (STS AssumeRole, later Lambda/ECS/EC2 role checks), without touching IAM's tables. */
import { GLOBAL_REGION, type StateStore } from "../../state/state-store.ts";
import { nameKey, type InstanceProfileRecord, type RoleRecord } from "./state.ts";

export interface RoleInfo {
  account: string;
  RoleName: string;
  RoleId: string;
  Arn: string;
  Path: string;
  MaxSessionDuration: number;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]+)$/;

/** Splits a role ARN into its account, path and name, or undefined when it is not one. */
export function parseRoleArn(arn: string): { account: string; path: string; name: string } | undefined {
  const match = ROLE_ARN.exec(arn);
  if (!match) return undefined;
  return { account: match[1] ?? "", path: match[2] ?? "/", name: match[3] ?? "" };
}

export function findRole(state: StateStore, account: string, name: string): RoleInfo | undefined {
  const role = state.table<RoleRecord>("iam", "roles").get({ account, region: GLOBAL_REGION }, nameKey(name));
  if (!role) return undefined;
  return { account, RoleName: role.RoleName, RoleId: role.RoleId, Arn: role.Arn, Path: role.Path, MaxSessionDuration: role.MaxSessionDuration };
}

/** The role a role ARN names in `account` (name compared as IAM does, without case; the path must match). */
export function findRoleByArn(state: StateStore, account: string, arn: string): RoleInfo | undefined {
  const parts = parseRoleArn(arn);
  if (!parts) return undefined;
  const role = findRole(state, account, parts.name);
  return role && role.Path === parts.path ? role : undefined;
}

export interface InstanceProfileInfo {
  InstanceProfileName: string;
  InstanceProfileId: string;
  Arn: string;
  roleNames: string[];
}

/** For EC2 RunInstances (IamInstanceProfile by name or ARN). */
export function findInstanceProfile(state: StateStore, account: string, nameOrArn: string): InstanceProfileInfo | undefined {
  const name = nameOrArn.startsWith("arn:") ? nameOrArn.slice(nameOrArn.lastIndexOf("/") + 1) : nameOrArn;
  const profile = state.table<InstanceProfileRecord>("iam", "instance-profiles").get({ account, region: GLOBAL_REGION }, nameKey(name));
  if (!profile || (nameOrArn.startsWith("arn:") && profile.Arn !== nameOrArn)) return undefined;
  return { InstanceProfileName: profile.InstanceProfileName, InstanceProfileId: profile.InstanceProfileId, Arn: profile.Arn, roleNames: [...profile.Roles] };
}
