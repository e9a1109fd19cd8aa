/** An instance as DescribeInstances shows it: the stored record plus its lifecycle, network and block devices of now. */
import type { Instance, InstanceBlockDeviceMapping, Reservation } from "@aws-sdk/client-ec2";
import type { RequestContext } from "../../service-types.ts";
import { markStable } from "../../../shared/stable-values.ts";
import type { StateStore } from "../../../state/state-store.ts";
import { instanceNetworkView, type InstanceNetworkView } from "../network/api.ts";
import { instanceBlockDevices } from "../storage/api.ts";
import { asDate, stateOf, stateReasonOf, type InstanceRecord } from "./state.ts";

const EMPTY_NETWORK: InstanceNetworkView = { networkInterfaces: [], groups: [] };

/** Network of an instance as of its lifecycle: frozen while shutting down, gone once terminated. */
export function networkOf(ctx: RequestContext, record: InstanceRecord): InstanceNetworkView {
  if (record.lifecycle.state === "terminated") return EMPTY_NETWORK;
  if (record.final) return record.final.network;
  return instanceNetworkView(ctx, record.InstanceId);
}

export function blockDevicesOf(ctx: RequestContext, record: InstanceRecord): InstanceBlockDeviceMapping[] {
  if (record.lifecycle.state === "terminated") return [];
  if (record.final) return record.final.blockDevices;
  return instanceBlockDevices(ctx, record.InstanceId);
}

/** A view as built, with what it was built from: the stored instance and the lifecycle of then. */
interface BuiltView {
  stored: InstanceRecord["instance"];
  state: string;
  since: number;
  view: Instance;
}

/**
 * Views built while the store's revision was `revision`, per account/region. Any change to any table
 * moves the revision and drops them all; what else a view depends on is the lifecycle advanced by time,
 * compared per view. Only views of live instances are kept, so the map is no larger than the fleet.
 */
const builtViews = new WeakMap<StateStore, Map<string, { revision: number; views: Map<string, BuiltView> }>>();

function viewCacheOf(ctx: RequestContext): Map<string, BuiltView> {
  let byScope = builtViews.get(ctx.state);
  if (!byScope) {
    byScope = new Map();
    builtViews.set(ctx.state, byScope);
  }
  const key = `${ctx.account}/${ctx.region}`;
  const revision = ctx.state.revision;
  let entry = byScope.get(key);
  if (entry?.revision !== revision) {
    entry = { revision, views: new Map() };
    byScope.set(key, entry);
  }
  return entry.views;
}

/** Reads each related view once per instance per request (filters and output share them). */
export class InstanceViews {
  private readonly networks = new Map<string, InstanceNetworkView>();
  private readonly devices = new Map<string, InstanceBlockDeviceMapping[]>();
  private readonly ctx: RequestContext;
  private readonly launching: boolean;
  private readonly built: Map<string, BuiltView> | undefined;

  /**
   * `launching`: RunInstances answers before volumes attach, so its instances show no block devices (as on AWS).
   * `reuse`: instance views may be ones built by an earlier request (unchanged since), marked stable; only
   * for callers that hand them straight to the serializer and never modify them (DescribeInstances).
   */
  constructor(ctx: RequestContext, options: { launching?: boolean; reuse?: boolean } = {}) {
    this.ctx = ctx;
    this.launching = options.launching ?? false;
    this.built = options.reuse === true && !this.launching ? viewCacheOf(ctx) : undefined;
  }

  /** The SDK `Instance` of a record: the one built before when nothing it reads has changed since. */
  instance(record: InstanceRecord): Instance {
    const built = this.built;
    if (built === undefined) return instanceOf(record, this);
    const { state, since } = record.lifecycle;
    const known = built.get(record.InstanceId);
    if (known !== undefined && known.stored === record.instance && known.state === state && known.since === since) return known.view;
    const view = markStable(instanceOf(record, this));
    built.set(record.InstanceId, { stored: record.instance, state, since, view });
    return view;
  }

  network(record: InstanceRecord): InstanceNetworkView {
    let view = this.networks.get(record.InstanceId);
    if (!view) {
      view = networkOf(this.ctx, record);
      this.networks.set(record.InstanceId, view);
    }
    return view;
  }

  blockDevices(record: InstanceRecord): InstanceBlockDeviceMapping[] {
    if (this.launching) return [];
    let view = this.devices.get(record.InstanceId);
    if (!view) {
      view = blockDevicesOf(this.ctx, record);
      this.devices.set(record.InstanceId, view);
    }
    return view;
  }
}

/** The SDK `Instance` of a record (lifecycle already advanced). */
export function instanceOf(record: InstanceRecord, views: InstanceViews): Instance {
  const network = views.network(record);
  const terminated = record.lifecycle.state === "terminated";
  return {
    ...record.instance,
    InstanceId: record.InstanceId,
    LaunchTime: asDate(record.LaunchTime),
    UsageOperationUpdateTime: asDate(record.UsageOperationUpdateTime),
    State: stateOf(record.lifecycle),
    StateReason: stateReasonOf(record.lifecycle),
    StateTransitionReason: record.lifecycle.transitionReason,
    PrivateDnsName: terminated ? "" : (network.privateDnsName ?? ""),
    PrivateIpAddress: network.privateIpAddress,
    PublicDnsName: network.publicDnsName ?? "",
    PublicIpAddress: network.publicIpAddress,
    VpcId: network.vpcId,
    SubnetId: network.subnetId,
    SecurityGroups: network.groups,
    NetworkInterfaces: network.networkInterfaces,
    SourceDestCheck: terminated ? undefined : record.sourceDestCheck,
    MetadataOptions: record.instance.MetadataOptions && { ...record.instance.MetadataOptions, State: record.lifecycle.state === "pending" ? "pending" : "applied" },
    BlockDeviceMappings: views.blockDevices(record),
    Tags: record.Tags,
  };
}

/** Groups instances by reservation, keeping the order in which reservations first appear. */
export function reservationsOf(records: readonly InstanceRecord[], views: InstanceViews): Reservation[] {
  const byId = new Map<string, Reservation & { Instances: Instance[] }>();
  for (const record of records) {
    let reservation = byId.get(record.ReservationId);
    if (!reservation) {
      reservation = { ReservationId: record.ReservationId, OwnerId: record.OwnerId, RequesterId: record.RequesterId, Groups: [], Instances: [] };
      byId.set(record.ReservationId, reservation);
    }
    reservation.Instances.push(views.instance(record));
  }
  return [...byId.values()];
}
