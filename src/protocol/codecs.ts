/** The codec for each protocol name. */
import type { Codec } from "./codec.ts";
import type { ProtocolName } from "./model-types.ts";
import { ec2Codec } from "./ec2-codec.ts";
import { queryCodec } from "./query-codec.ts";
import { awsJson1_0Codec, awsJson1_1Codec } from "./json-codec.ts";
import { restJson1Codec } from "./rest-json-codec.ts";
import { restXmlCodec } from "./rest-xml-codec.ts";

const CODECS: Record<ProtocolName, Codec> = {
  ec2: ec2Codec,
  awsQuery: queryCodec,
  awsJson1_0: awsJson1_0Codec,
  awsJson1_1: awsJson1_1Codec,
  restJson1: restJson1Codec,
  restXml: restXmlCodec,
};

export const codecFor = (protocol: ProtocolName): Codec => CODECS[protocol];
