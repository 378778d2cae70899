package org.rap.testing;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP forwarder on a loopback port, to put between a client and a real server and cut the line:
 * {@link #cut()} closes every connection and stops listening (new connections are refused, as when
 * the server is down), {@link #restore()} listens on the same port again.
 */
public final class TcpProxy implements AutoCloseable {
  private final Vertx vertx;
  private final String targetHost;
  private final int targetPort;
  private final NetClient client;
  private final List<NetSocket> sockets = new CopyOnWriteArrayList<>();
  private NetServer server;
  private int port;

  public TcpProxy(Vertx vertx, String targetHost, int targetPort) {
    this.vertx = vertx;
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.client = vertx.createNetClient();
  }

  /** Starts listening on a free port (or the same one again after {@link #cut()}). */
  public TcpProxy restore() {
    server = vertx.createNetServer().connectHandler(this::forward);
    port = server.listen(port, "127.0.0.1").await().actualPort();
    return this;
  }

  public int port() {
    return port;
  }

  /** Closes every forwarded connection and stops listening. */
  public void cut() {
    if (server != null) {
      server.close().await();
      server = null;
    }
    for (NetSocket s : sockets) {
      s.close();
    }
    sockets.clear();
  }

  private void forward(NetSocket in) {
    in.pause();
    sockets.add(in);
    client
        .connect(targetPort, targetHost)
        .onFailure(e -> in.close())
        .onSuccess(
            out -> {
              sockets.add(out);
              in.pipeTo(out);
              out.pipeTo(in);
              in.resume();
            });
  }

  @Override
  public void close() {
    cut();
    client.close();
  }
}
