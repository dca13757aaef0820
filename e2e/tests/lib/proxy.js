// A TCP proxy in front of the server that a test can cut: every connection through it is dropped
// and new ones are refused until it is resumed. This is a network drop for one page while the
// server (and its rooms' history) stays up.

import net from 'node:net';

export class CuttableProxy {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.port = null;
    this.server = null;
    this.sockets = new Set();
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => { client.destroy(); upstream.destroy(); });
      }
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', resolve);
    });
    this.port = this.server.address().port;
    return this;
  }

  /** Drops every connection and stops listening (new connections are refused). */
  async cut() {
    const closed = new Promise((resolve) => this.server.close(resolve));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  /** Listens again on the same port. */
  async resume() {
    await this.start(this.port);
  }

  async stop() {
    for (const s of this.sockets) s.destroy();
    if (this.server?.listening) await new Promise((resolve) => this.server.close(resolve));
  }
}
