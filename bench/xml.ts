/** XML writer benchmark: serializes a DescribeInstances output of 1,000 real instances in-process (median of 20). */
import { Agent, request } from "node:http";
import { writeFileSync } from "node:fs";
import { serialize } from "node:v8";
import type { AddressInfo } from "node:net";
import { loadConfig } from "../src/config.ts";
import { createApp } from "../src/gateway/app.ts";
import { createStratusServer } from "../src/gateway/server.ts";
import { StateStore } from "../src/state/state-store.ts";
import { ec2Codec } from "../src/protocol/ec2-codec.ts";
import type { LoadedModel } from "../src/protocol/model-registry.ts";

const FLEET = Number(process.env.BENCH_XML_FLEET ?? 1_000);
const RUNS = 20;

const app = createApp(loadConfig(["--ephemeral", "--port", "0"]), new StateStore(undefined), "bench");
const server = createStratusServer(app);
await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
const port = (server.address() as AddressInfo).port;
app.endpoint = `http://127.0.0.1:${port}`;

let captured: { model: LoadedModel; output: Record<string, unknown> } | undefined;
const original = ec2Codec.serializeResponse.bind(ec2Codec);
ec2Codec.serializeResponse = (model, operation, output, requestId) => {
  if (operation === "DescribeInstances") captured = { model, output };
  return original(model, operation, output, requestId);
};

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
function call(params: Record<string, string>): Promise<string> {
  const body = new URLSearchParams({ Version: "2016-11-15", ...params }).toString();
  const headers = {
    "content-type": "application/x-www-form-urlencoded; charset=utf-8",
    authorization: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0",
    "content-length": String(Buffer.byteLength(body)),
  };
  return new Promise((resolve, reject) => {
    const req = request({ agent, host: "127.0.0.1", port, method: "POST", path: "/", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1f"];
for (let launched = 0, batch = 0; launched < FLEET; batch++, launched += 100) {
  const tags: Record<string, string> = batch % 2 === 0 ? { "TagSpecification.1.ResourceType": "instance", "TagSpecification.1.Tag.1.Key": "role", "TagSpecification.1.Tag.1.Value": "db & <cache>" } : {};
  await call({ Action: "RunInstances", ImageId: "ami-760aaa0f", InstanceType: "t3.micro", MinCount: "100", MaxCount: "100", "Placement.AvailabilityZone": zones[batch % zones.length] ?? "us-east-1a", ...tags });
}
const xml = await call({ Action: "DescribeInstances" });
const trips: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  await call({ Action: "DescribeInstances" });
  trips.push(performance.now() - started);
}
agent.destroy();
server.close();
if (captured === undefined) throw new Error("no DescribeInstances output captured");
const { model, output } = captured;
// BENCH_XML_DUMP=file keeps the output (v8-serialized, Dates intact) to compare serializers on the same value.
if (process.env.BENCH_XML_DUMP) writeFileSync(process.env.BENCH_XML_DUMP, serialize(output));
if (!xml.includes("</DescribeInstancesResponse>")) throw new Error("DescribeInstances failed");

const samples: number[] = [];
let body: Buffer = Buffer.alloc(0);
for (let i = 0; i < RUNS + 3; i++) {
  const started = performance.now();
  const response = ec2Codec.serializeResponse(model, "DescribeInstances", output, "bench-request");
  // Timed up to the bytes the gateway sends (as it does: a string body is encoded there).
  body = typeof response.body === "string" ? Buffer.from(response.body, "utf8") : response.body;
  if (i >= 3) samples.push(performance.now() - started);
}
samples.sort((a, b) => a - b);
const median = samples[Math.floor(samples.length / 2)] ?? 0;
trips.sort((a, b) => a - b);
console.log(`DescribeInstances ${FLEET} instances over HTTP (in-process server): median ${(trips[RUNS >> 1] ?? 0).toFixed(2)} ms`);
console.log(`serialize DescribeInstances ${FLEET} instances: median ${median.toFixed(2)} ms, min ${(samples[0] ?? 0).toFixed(2)} ms, ${(body.length / 1024).toFixed(0)} KB`);
process.exit(0);
