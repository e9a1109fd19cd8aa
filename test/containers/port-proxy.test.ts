/** The published-port forwarders on their own (no Docker): TCP and UDP reach the target and answer back; a taken port is refused. */
import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { connect, createServer, type AddressInfo } from "node:net";
import { test } from "node:test";
import { tcpProxy, udpProxy } from "../../src/engine/containers/port-proxy.ts";

test("TCP: bytes go through 127.0.0.1:hostPort to the target and back; a taken host port is EADDRINUSE", async () => {
  const echo = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
  const proxy = await tcpProxy(0, "127.0.0.1", (echo.address() as AddressInfo).port);
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const client = connect(proxy.hostPort, "127.0.0.1", () => client.end("ping over tcp"));
      let text = "";
      client.on("data", (chunk) => (text += chunk.toString()));
      client.on("end", () => resolve(text));
      client.on("error", reject);
    });
    assert.equal(answer, "ping over tcp");
    await assert.rejects(tcpProxy(proxy.hostPort, "127.0.0.1", 1), { code: "EADDRINUSE" });
  } finally {
    await proxy.close();
    echo.close();
  }
});

test("UDP: a datagram reaches the target and its reply comes back to the sender", async () => {
  const echo = createSocket("udp4");
  echo.on("message", (message, from) => echo.send(Buffer.concat([Buffer.from("echo:"), message]), from.port, from.address));
  await new Promise<void>((resolve) => echo.bind(0, "127.0.0.1", resolve));
  const proxy = await udpProxy(0, "127.0.0.1", echo.address().port);
  const client = createSocket("udp4");
  try {
    const reply = await new Promise<string>((resolve) => {
      client.on("message", (message) => resolve(message.toString()));
      client.send("ping over udp", proxy.hostPort, "127.0.0.1");
    });
    assert.equal(reply, "echo:ping over udp");
  } finally {
    client.close();
    await proxy.close();
    echo.close();
  }
});
