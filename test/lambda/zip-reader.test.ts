/** The server's zip reader: stored and deflated entries, Unix modes, and paths that would escape the code directory refused. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { readZip, safeEntryName, ZipError } from "../../src/shared/zip-reader.ts";
import { makeZip } from "../support/zip-writer.ts";

describe("zip reader", () => {
  it("reads stored and deflated entries with their modes", () => {
    const entries = readZip(makeZip({ "a.txt": "hello", "dir/b.bin": { content: Buffer.alloc(1000, 1), stored: true }, run: { content: "#!/bin/sh", mode: 0o755 } }));
    assert.deepEqual(entries.map((e) => e.name), ["a.txt", "dir/b.bin", "run"]);
    assert.equal(entries[0]?.read().toString(), "hello");
    assert.equal(entries[1]?.read().length, 1000);
    assert.equal((entries[2]?.mode ?? 0) & 0o777, 0o755);
  });

  it("refuses zip-slip paths (.., absolute, drive letters)", () => {
    for (const name of ["../evil.js", "a/../../evil.js", "/etc/passwd", "C:/x", "..\\evil.js"]) {
      assert.throws(() => readZip(makeZip({ [name]: "x" })), ZipError, name);
    }
    assert.equal(safeEntryName("./a/./b.js"), "a/b.js");
    assert.equal(safeEntryName("a/b/"), "a/b/");
  });

  it("refuses what is not a zip", () => {
    assert.throws(() => readZip(Buffer.from("definitely not a zip file at all")), ZipError);
    const truncated = makeZip({ "a.txt": "hello world" }).subarray(10);
    assert.throws(() => readZip(truncated).map((e) => e.read()), ZipError);
  });
});
