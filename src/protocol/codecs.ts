/** The codec for each protocol name, loaded on first use (start-up loads none). */
import type { Codec } from "./codec.ts";
import type { ProtocolName } from "./model-types.ts";

const LOADERS: Record<ProtocolName, () => Promise<Codec>> = {
  ec2: async () => (await import("./ec2-codec.ts")).ec2Codec,
  awsQuery: async () => (await import("./query-codec.ts")).queryCodec,
  awsJson1_0: async () => (await import("./json-codec.ts")).awsJson1_0Codec,
  awsJson1_1: async () => (await import("./json-codec.ts")).awsJson1_1Codec,
  restJson1: async () => (await import("./rest-json-codec.ts")).restJson1Codec,
  restXml: async () => (await import("./rest-xml-codec.ts")).restXmlCodec,
};

const loaded = new Map<ProtocolName, Codec>();

export async function loadCodec(protocol: ProtocolName): Promise<Codec> {
  let codec = loaded.get(protocol);
  if (!codec) {
    codec = await LOADERS[protocol]();
    loaded.set(protocol, codec);
  }
  return codec;
}
