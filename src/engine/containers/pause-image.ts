/** The task's network-namespace holder (ECS's "pause" container): a tiny static ELF that blocks forever, imported once. */
import { arch } from "node:os";
import type { DockerClient } from "../docker/client.ts";

export const PAUSE_IMAGE = "stratus/pause:1";

/** Machine code that blocks forever, per architecture. */
const PROGRAMS: Record<string, { machine: number; code: number[] }> = {
  // loop: mov eax, 34 (pause); syscall; jmp loop
  x64: { machine: 0x3e, code: [0xb8, 0x22, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xf7] },
  // loop: x0..x3 = 0; x8 = 73 (ppoll, arm64 has no pause); svc 0; b loop   (not exercised on this project's x86-64 machines)
  arm64: {
    machine: 183,
    code: [0xd2800000, 0xd2800001, 0xd2800002, 0xd2800003, 0xd2800928, 0xd4000001, 0x17fffffa].flatMap((word) => [word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24]),
  },
};

/** A minimal static ELF64 executable running `program`. */
function pauseElf(program: { machine: number; code: number[] }): Buffer {
  const code = Buffer.from(program.code);
  const base = 0x400000n;
  const headerSize = 64 + 56;
  const file = Buffer.alloc(headerSize + code.length);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(file, 0);
  file.writeUInt16LE(2, 16); // ET_EXEC
  file.writeUInt16LE(program.machine, 18);
  file.writeUInt32LE(1, 20);
  file.writeBigUInt64LE(base + BigInt(headerSize), 24); // entry
  file.writeBigUInt64LE(64n, 32); // program headers right after this header
  file.writeUInt16LE(64, 52);
  file.writeUInt16LE(56, 54);
  file.writeUInt16LE(1, 56);
  file.writeUInt32LE(1, 64); // PT_LOAD
  file.writeUInt32LE(5, 68); // R+X
  file.writeBigUInt64LE(0n, 72);
  file.writeBigUInt64LE(base, 80);
  file.writeBigUInt64LE(base, 88);
  file.writeBigUInt64LE(BigInt(file.length), 96);
  file.writeBigUInt64LE(BigInt(file.length), 104);
  file.writeBigUInt64LE(0x1000n, 112);
  code.copy(file, headerSize);
  return file;
}

/** A one-file ustar archive. */
function tarOf(name: string, content: Buffer, mode: number): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write(`${mode.toString(8).padStart(7, "0")}\0`, 100, 8, "ascii");
  header.write("0000000\0", 108, 8, "ascii");
  header.write("0000000\0", 116, 8, "ascii");
  header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124, 12, "ascii");
  header.write(`${Math.floor(Date.UTC(2024, 0, 1) / 1000).toString(8).padStart(11, "0")}\0`, 136, 12, "ascii");
  header.write("        ", 148, 8, "ascii");
  header.write("0", 156, 1, "ascii");
  header.write("ustar\0", 257, 6, "ascii");
  header.write("00", 263, 2, "ascii");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "ascii");
  const padded = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  content.copy(padded);
  return Buffer.concat([header, padded, Buffer.alloc(1024)]);
}

let ready: Promise<string | undefined> | undefined;

/** The pause image's name, importing it on first use; undefined on architectures without a program above. */
export function ensurePauseImage(client: DockerClient): Promise<string | undefined> {
  const program = PROGRAMS[arch()];
  if (!program) return Promise.resolve(undefined);
  ready ??= (async () => {
    if (await client.imageInspect(PAUSE_IMAGE)) return PAUSE_IMAGE;
    const [repo, tag] = PAUSE_IMAGE.split(":") as [string, string];
    await client.imageImport(tarOf("pause", pauseElf(program), 0o755), repo, tag, ['CMD ["/pause"]']);
    return PAUSE_IMAGE;
  })();
  ready.catch(() => {
    ready = undefined;
  });
  return ready;
}
