/** Key pairs through the real EC2 client: real RSA/ed25519 keys in PEM and PPK, AWS fingerprints, import formats, errors; ssh-keygen/puttygen as judges when present. */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import {
  CreateKeyPairCommand,
  CreateTagsCommand,
  DeleteKeyPairCommand,
  DescribeKeyPairsCommand,
  EC2Client,
  ImportKeyPairCommand,
} from "@aws-sdk/client-ec2";
import { sdkFailure } from "../support/assertions.ts";
import { cliEnv, clientConfig, startStratus, type RunningStratus } from "../support/server.ts";

const run = promisify(execFile);

let server: RunningStratus;
let ec2: EC2Client;
let dir: string;

before(async () => {
  server = await startStratus();
  ec2 = new EC2Client(clientConfig(server.endpoint));
  dir = mkdtempSync(join(tmpdir(), "stratus-keys-"));
});

after(async () => {
  ec2.destroy();
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function tool(name: string): string | undefined {
  try {
    return execFileSync("which", [name], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const sshKeygen = tool("ssh-keygen");
const puttygen = tool("puttygen");

/** The public key from an OpenSSH `ssh-rsa AAAA… name` / `ssh-ed25519 AAAA… name` line, as a KeyObject. */
function fromOpenSshLine(line: string): KeyObject {
  const [type, base64] = line.split(" ");
  const blob = Buffer.from(base64 ?? "", "base64");
  const fields: Buffer[] = [];
  for (let offset = 0; offset < blob.length; ) {
    const length = blob.readUInt32BE(offset);
    fields.push(blob.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  assert.equal(fields[0]?.toString(), type);
  if (type === "ssh-ed25519") return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: (fields[1] ?? Buffer.alloc(0)).toString("base64url") }, format: "jwk" });
  const unsigned = (b: Buffer | undefined) => (b && b[0] === 0 ? b.subarray(1) : (b ?? Buffer.alloc(0)));
  return createPublicKey({ key: { kty: "RSA", e: unsigned(fields[1]).toString("base64url"), n: unsigned(fields[2]).toString("base64url") }, format: "jwk" });
}

function signsFor(privateKey: KeyObject, publicKey: KeyObject): boolean {
  const data = Buffer.from("stratus");
  const algorithm = privateKey.asymmetricKeyType === "rsa" ? "sha256" : null;
  return verify(algorithm, data, publicKey, sign(algorithm, data, privateKey));
}

async function publicKeyOf(name: string): Promise<string> {
  const described = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: [name], IncludePublicKey: true }));
  const key = described.KeyPairs?.[0];
  assert.ok(key?.PublicKey, "IncludePublicKey returns the public key");
  return key.PublicKey;
}

describe("CreateKeyPair", () => {
  it("returns a working 2048-bit RSA PKCS#1 key whose fingerprint is the SHA-1 of its DER PKCS#8 form", async () => {
    const created = await ec2.send(new CreateKeyPairCommand({ KeyName: "rsa-pem", TagSpecifications: [{ ResourceType: "key-pair", Tags: [{ Key: "team", Value: "a" }] }] }));
    assert.match(created.KeyPairId ?? "", /^key-[0-9a-f]{17}$/);
    const material = created.KeyMaterial ?? "";
    assert.match(material, /^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----$/);
    const privateKey = createPrivateKey(material);
    assert.equal(privateKey.asymmetricKeyDetails?.modulusLength, 2048);
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "der" });
    const expected = [...createHash("sha1").update(pkcs8).digest()].map((b) => b.toString(16).padStart(2, "0")).join(":");
    assert.equal(created.KeyFingerprint, expected);
    assert.deepEqual(created.Tags, [{ Key: "team", Value: "a" }]);
    const publicLine = await publicKeyOf("rsa-pem");
    assert.ok(signsFor(privateKey, fromOpenSshLine(publicLine)), "the private key matches the stored public key");
    if (sshKeygen) {
      const file = join(dir, "rsa.pem");
      writeFileSync(file, `${material}\n`, { mode: 0o600 });
      const { stdout } = await run("ssh-keygen", ["-y", "-f", file]);
      assert.equal(stdout.trim().split(" ").slice(0, 2).join(" "), publicLine.split(" ").slice(0, 2).join(" "));
    }
  });

  it("returns an OpenSSH ed25519 key; the fingerprint is padded base64 SHA-256 of the public blob (ssh-keygen shows it unpadded)", async (t) => {
    const created = await ec2.send(new CreateKeyPairCommand({ KeyName: "ed-pem", KeyType: "ed25519" }));
    const material = created.KeyMaterial ?? "";
    assert.match(material, /^-----BEGIN OPENSSH PRIVATE KEY-----\n[\s\S]+-----END OPENSSH PRIVATE KEY-----\n?$/);
    const publicLine = await publicKeyOf("ed-pem");
    assert.match(publicLine, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI\S+ ed-pem$/);
    const blob = Buffer.from(publicLine.split(" ")[1] ?? "", "base64");
    assert.equal(created.KeyFingerprint, createHash("sha256").update(blob).digest("base64"));
    assert.match(created.KeyFingerprint ?? "", /=$/);
    const described = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["ed-pem"] }));
    assert.equal(described.KeyPairs?.[0]?.KeyType, "ed25519");
    assert.equal(described.KeyPairs?.[0]?.PublicKey, undefined, "no public key unless asked");
    if (!sshKeygen) return t.skip("ssh-keygen is not installed");
    const file = join(dir, "ed.pem");
    writeFileSync(file, material, { mode: 0o600 });
    const derived = (await run("ssh-keygen", ["-y", "-f", file])).stdout.trim();
    assert.equal(derived.split(" ").slice(0, 2).join(" "), publicLine.split(" ").slice(0, 2).join(" "));
    const listed = (await run("ssh-keygen", ["-l", "-f", file])).stdout;
    assert.match(listed, new RegExp(`SHA256:${(created.KeyFingerprint ?? "").replace(/=+$/, "").replace(/[+/]/g, "\\$&")} `));
  });

  it("writes PuTTY v3 files for both key types", async (t) => {
    for (const type of ["rsa", "ed25519"] as const) {
      const created = await ec2.send(new CreateKeyPairCommand({ KeyName: `ppk-${type}`, KeyType: type, KeyFormat: "ppk" }));
      const material = created.KeyMaterial ?? "";
      assert.match(material, new RegExp(`^PuTTY-User-Key-File-3: ssh-${type}\nEncryption: none\nComment: ppk-${type}\nPublic-Lines: \\d+\n`));
      assert.match(material, /\nPrivate-MAC: [0-9a-f]{64}\n?$/);
      const publicLine = await publicKeyOf(`ppk-${type}`);
      const publicBase64 = /Public-Lines: (\d+)\n/.exec(material);
      const lines = material.split("\n");
      const start = lines.findIndex((line) => line.startsWith("Public-Lines:")) + 1;
      assert.equal(lines.slice(start, start + Number(publicBase64?.[1])).join(""), publicLine.split(" ")[1]);
      if (puttygen) {
        const file = join(dir, `${type}.ppk`);
        writeFileSync(file, material, { mode: 0o600 });
        // puttygen checks the MAC and converts the private key; ssh-keygen derives the public key from it.
        const out = join(dir, `${type}.from-ppk`);
        await run("puttygen", [file, "-O", "private-openssh", "-o", out]);
        if (sshKeygen) {
          const derived = (await run("ssh-keygen", ["-y", "-f", out])).stdout.trim();
          assert.equal(derived.split(" ").slice(0, 2).join(" "), publicLine.split(" ").slice(0, 2).join(" "));
        }
      }
    }
    if (!puttygen) t.skip("puttygen is not installed: PPK files checked structurally only");
  });

  it("refuses a duplicate name and unknown types; DryRun changes nothing", async () => {
    const duplicate = await sdkFailure(ec2.send(new CreateKeyPairCommand({ KeyName: "rsa-pem" })));
    assert.equal(duplicate.name, "InvalidKeyPair.Duplicate");
    assert.equal(duplicate.message, "The keypair 'rsa-pem' already exists.");
    const dry = await sdkFailure(ec2.send(new CreateKeyPairCommand({ KeyName: "dry", DryRun: true })));
    assert.equal(dry.name, "DryRunOperation");
    assert.equal(dry.$metadata.httpStatusCode, 412);
    const missing = await sdkFailure(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["dry"] })));
    assert.equal(missing.name, "InvalidKeyPair.NotFound");
    assert.equal(missing.message, "The key pair 'dry' does not exist");
  });
});

describe("ImportKeyPair", () => {
  it("imports OpenSSH, PEM, DER and RFC 4716 keys with AWS's fingerprints", async () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const spki = rsa.publicKey.export({ type: "spki", format: "der" });
    const md5 = [...createHash("md5").update(spki).digest()].map((b) => b.toString(16).padStart(2, "0")).join(":");
    const pem = String(rsa.publicKey.export({ type: "spki", format: "pem" }));
    const pkcs1 = String(rsa.publicKey.export({ type: "pkcs1", format: "pem" }));
    const inputs: Array<[string, Uint8Array]> = [
      ["imp-pem", Buffer.from(pem)],
      ["imp-pkcs1", Buffer.from(pkcs1)],
      ["imp-der-b64", Buffer.from(spki.toString("base64"))],
      ["imp-der", spki],
    ];
    for (const [name, material] of inputs) {
      const imported = await ec2.send(new ImportKeyPairCommand({ KeyName: name, PublicKeyMaterial: material }));
      assert.equal(imported.KeyFingerprint, md5, name);
      assert.match(imported.KeyPairId ?? "", /^key-/);
    }
    // The same key as an OpenSSH line (from the stored public key) and as RFC 4716.
    const line = await publicKeyOf("imp-pem");
    const sshImport = await ec2.send(new ImportKeyPairCommand({ KeyName: "imp-ssh", PublicKeyMaterial: Buffer.from(`${line.split(" ").slice(0, 2).join(" ")} me@host\n`) }));
    assert.equal(sshImport.KeyFingerprint, md5);
    const body = (line.split(" ")[1] ?? "").match(/.{1,70}/g)?.join("\n") ?? "";
    const rfc4716 = `---- BEGIN SSH2 PUBLIC KEY ----\nComment: "2048-bit RSA, converted \\\nby me"\n${body}\n---- END SSH2 PUBLIC KEY ----\n`;
    const rfcImport = await ec2.send(new ImportKeyPairCommand({ KeyName: "imp-rfc", PublicKeyMaterial: Buffer.from(rfc4716) }));
    assert.equal(rfcImport.KeyFingerprint, md5);
  });

  it("imports an ssh-keygen ed25519 key with the fingerprint ssh-keygen prints", async (t) => {
    if (!sshKeygen) return t.skip("ssh-keygen is not installed");
    const file = join(dir, "id_ed25519");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "me@host", "-f", file]);
    const publicLine = execFileSync("cat", [`${file}.pub`], { encoding: "utf8" });
    const imported = await ec2.send(new ImportKeyPairCommand({ KeyName: "imp-ed", PublicKeyMaterial: Buffer.from(publicLine) }));
    const listed = (await run("ssh-keygen", ["-l", "-f", `${file}.pub`])).stdout;
    const shown = /SHA256:(\S+)/.exec(listed)?.[1];
    assert.equal(imported.KeyFingerprint, `${shown}=`);
    const described = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["imp-ed"] }));
    assert.equal(described.KeyPairs?.[0]?.KeyType, "ed25519");
  });

  it("answers InvalidKey.Format for junk, truncated keys and unsupported types", async () => {
    const ecdsa = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" });
    for (const junk of ["hello world", "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAB", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5", String(ecdsa)]) {
      const failure = await sdkFailure(ec2.send(new ImportKeyPairCommand({ KeyName: "junk", PublicKeyMaterial: Buffer.from(junk) })));
      assert.equal(failure.name, "InvalidKey.Format", junk);
      assert.equal(failure.message, "Key is not in valid OpenSSH public key format");
    }
  });
});

describe("DescribeKeyPairs and DeleteKeyPair", () => {
  it("filters by name, id, fingerprint and tags", async () => {
    const all = await ec2.send(new DescribeKeyPairsCommand({}));
    const rsa = all.KeyPairs?.find((k) => k.KeyName === "rsa-pem");
    assert.ok(rsa?.KeyPairId && rsa.KeyFingerprint && rsa.CreateTime instanceof Date);
    const byId = await ec2.send(new DescribeKeyPairsCommand({ KeyPairIds: [rsa.KeyPairId] }));
    assert.deepEqual(byId.KeyPairs?.map((k) => k.KeyName), ["rsa-pem"]);
    const byPrint = await ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: "fingerprint", Values: [rsa.KeyFingerprint] }] }));
    assert.deepEqual(byPrint.KeyPairs?.map((k) => k.KeyName), ["rsa-pem"]);
    const wildcard = await ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: "key-name", Values: ["ppk-*"] }] }));
    assert.deepEqual(wildcard.KeyPairs?.map((k) => k.KeyName).sort(), ["ppk-ed25519", "ppk-rsa"]);
    await ec2.send(new CreateTagsCommand({ Resources: [rsa.KeyPairId], Tags: [{ Key: "env", Value: "prod" }] }));
    const tagged = await ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: "tag:env", Values: ["prod"] }] }));
    assert.deepEqual(tagged.KeyPairs?.map((k) => k.KeyName), ["rsa-pem"]);
    const unknownId = await sdkFailure(ec2.send(new DescribeKeyPairsCommand({ KeyPairIds: ["key-0123456789abcdef0"] })));
    assert.equal(unknownId.name, "InvalidKeyPair.NotFound");
  });

  it("deletes by name or id, and deleting an unknown name succeeds", async () => {
    await ec2.send(new DeleteKeyPairCommand({ KeyName: "rsa-pem" }));
    const gone = await sdkFailure(ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["rsa-pem"] })));
    assert.equal(gone.name, "InvalidKeyPair.NotFound");
    const again = await ec2.send(new DeleteKeyPairCommand({ KeyName: "rsa-pem" }));
    assert.equal(again.Return, true);
    const ed = (await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["ed-pem"] }))).KeyPairs?.[0];
    const deleted = await ec2.send(new DeleteKeyPairCommand({ KeyPairId: ed?.KeyPairId }));
    assert.equal(deleted.KeyPairId, ed?.KeyPairId);
    const names = (await ec2.send(new DescribeKeyPairsCommand({}))).KeyPairs?.map((k) => k.KeyName) ?? [];
    assert.ok(!names.includes("ed-pem"));
    // The name is free again.
    await ec2.send(new CreateKeyPairCommand({ KeyName: "rsa-pem" }));
  });

  it("works through the AWS CLI", async () => {
    const env = cliEnv(server.endpoint);
    const created = JSON.parse((await run("aws", ["ec2", "create-key-pair", "--key-name", "cli-key", "--key-type", "ed25519"], { env })).stdout) as { KeyMaterial?: string; KeyFingerprint?: string };
    assert.match(created.KeyMaterial ?? "", /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    const described = await ec2.send(new DescribeKeyPairsCommand({ KeyNames: ["cli-key"] }));
    assert.equal(described.KeyPairs?.[0]?.KeyFingerprint, created.KeyFingerprint);
    // import-key-pair reads the key file as a blob, as people do with ~/.ssh/id_*.pub.
    const pub = join(dir, "cli.pub");
    writeFileSync(pub, `${(await publicKeyOf("cli-key")).split(" ").slice(0, 2).join(" ")} me@host\n`);
    const imported = JSON.parse((await run("aws", ["ec2", "import-key-pair", "--key-name", "cli-imported", "--public-key-material", `fileb://${pub}`], { env })).stdout) as { KeyFingerprint?: string };
    assert.equal(imported.KeyFingerprint, created.KeyFingerprint);
  });
});
