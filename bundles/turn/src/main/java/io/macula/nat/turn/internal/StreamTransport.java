package io.macula.nat.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * TURN to a server over one stream, RFC 8656 §12.5: TCP where UDP is blocked, or TLS on it
 * ({@code turns:}) where only HTTPS gets out. Messages are written whole and read back through a
 * {@link StreamFramer}.
 */
final class StreamTransport implements TurnTransport, AutoCloseable {
  private static final int CONNECT_TIMEOUT_MS = 10_000;

  private final Socket socket;
  private final InetSocketAddress server;
  private final String name;
  private final OutputStream out;
  private volatile Consumer<ByteBuf> receiver = b -> { };

  private StreamTransport(Socket socket, InetSocketAddress server, String name) throws IOException {
    this.socket = socket;
    this.server = server;
    this.name = name;
    this.out = socket.getOutputStream();
    Thread reader = new Thread(this::read, "nat-turn-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Plain TCP to the server. */
  static StreamTransport tcp(InetSocketAddress server) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(server, CONNECT_TIMEOUT_MS);
      s.setTcpNoDelay(true);
      return new StreamTransport(s, server, "tcp");
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /**
   * TLS to the server, the handshake done: its certificate must name {@code host} (an IP address
   * in its subject alternative names, for a URI that gives one) and chain to one {@code tls} trusts.
   *
   * @throws IOException when the server is not reached or its certificate is refused
   */
  static StreamTransport tls(InetSocketAddress server, String host, SSLContext tls) throws IOException {
    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
    try {
      s.connect(server, CONNECT_TIMEOUT_MS);
      s.setTcpNoDelay(true);
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS"); // the name or address in the URI must be the certificate's
      if (!host.matches("[0-9.]+|.*:.*")) {
        p.setServerNames(List.of(new SNIHostName(host)));
      }
      s.setSSLParameters(p);
      s.startHandshake();
      return new StreamTransport(s, server, "tls");
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** Where the server's messages go, one at a time, each valid only during the call. */
  void receiver(Consumer<ByteBuf> receiver) {
    this.receiver = receiver;
  }

  @Override
  public synchronized void send(ByteBuf message) {
    try {
      message.readBytes(out, message.readableBytes());
      out.flush();
    } catch (IOException e) {
      close(); // the transactions fail on their deadline
    } finally {
      message.release();
    }
  }

  @Override
  public boolean reliable() {
    return true;
  }

  @Override
  public InetSocketAddress server() {
    return server;
  }

  @Override
  public String name() {
    return name;
  }

  private void read() {
    StreamFramer framer = new StreamFramer(m -> receiver.accept(m));
    byte[] buf = new byte[65536];
    try {
      InputStream in = socket.getInputStream();
      for (int n; (n = in.read(buf)) >= 0; ) {
        framer.received(Unpooled.wrappedBuffer(buf, 0, n));
      }
    } catch (IOException | IllegalStateException e) {
      // the connection ended, or carried something that is not TURN: it is closed below
    }
    close();
  }

  InetSocketAddress localAddress() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  boolean isOpen() {
    return !socket.isClosed();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closed already
    }
  }
}
