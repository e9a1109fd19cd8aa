/** Published ports: Docker cannot publish from an --internal network, so Stratus listens on 127.0.0.1 and forwards. */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type AddressInfo, type Server, type Socket } from "node:net";

export interface PortProxy {
  readonly hostPort: number;
  close(): Promise<void>;
}

/** Where to forward: an address, or a lookup made per connection (the port is reserved before the container has its address). */
export type ProxyTarget = string | (() => string);

const addressOf = (target: ProxyTarget): string => (typeof target === "string" ? target : target());

/** A TCP forwarder 127.0.0.1:hostPort → target:targetPort (hostPort 0: a free port the OS picks). Rejects with EADDRINUSE when taken. */
export function tcpProxy(hostPort: number, target: ProxyTarget, targetPort: number): Promise<PortProxy> {
  const sockets = new Set<Socket>();
  // Half-open allowed both ways: a client that shuts down its sending side still gets the whole answer.
  const server: Server = createServer({ allowHalfOpen: true }, (client) => {
    const upstream = connect({ port: targetPort, host: addressOf(target), allowHalfOpen: true });
    sockets.add(client).add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(hostPort, "127.0.0.1", () => {
      server.off("error", reject);
      server.unref();
      resolve({
        hostPort: (server.address() as AddressInfo).port,
        close: () =>
          new Promise((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

/** A UDP forwarder: one upstream socket per client address, so replies find their way back. */
export function udpProxy(hostPort: number, target: ProxyTarget, targetPort: number): Promise<PortProxy> {
  const front = createSocket("udp4");
  const upstreams = new Map<string, UdpSocket>();
  front.on("message", (message, from) => {
    const key = `${from.address}:${from.port}`;
    let upstream = upstreams.get(key);
    if (!upstream) {
      const socket = createSocket("udp4");
      socket.on("message", (reply) => front.send(reply, from.port, from.address));
      socket.on("error", () => socket.close());
      socket.unref();
      upstreams.set(key, socket);
      upstream = socket;
    }
    upstream.send(message, targetPort, addressOf(target));
  });
  return new Promise((resolve, reject) => {
    front.once("error", reject);
    front.bind(hostPort, "127.0.0.1", () => {
      front.off("error", reject);
      front.unref();
      resolve({
        hostPort: front.address().port,
        close: async () => {
          for (const socket of upstreams.values()) socket.close();
          front.close();
        },
      });
    });
  });
}
