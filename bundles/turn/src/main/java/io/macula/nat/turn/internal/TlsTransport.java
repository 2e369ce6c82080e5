package io.macula.nat.turn.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.function.Consumer;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * TURN to a server over TLS on TCP (RFC 8656 §3.1, {@code turns:}): where only HTTPS gets out, a
 * TURN server on port 443 still does. The server's certificate must name the host the URI gives
 * (an IP address in its subject alternative names, for a URI that gives one) and chain to a trusted
 * certificate. Messages are framed as over plain TCP.
 */
final class TlsTransport implements TurnTransport, AutoCloseable {
  private final SSLSocket socket;
  private final InetSocketAddress server;
  private final OutputStream out;
  private final Thread reader;
  private volatile Consumer<ByteBuf> receiver = b -> { };

  private TlsTransport(SSLSocket socket, InetSocketAddress server) throws IOException {
    this.socket = socket;
    this.server = server;
    this.out = socket.getOutputStream();
    this.reader = new Thread(this::read, "nat-turn-tls");
    reader.setDaemon(true);
  }

  /**
   * Connects and completes the TLS handshake, checking the certificate against {@code host}.
   *
   * @throws IOException when the server is not reached or its certificate is refused
   */
  static TlsTransport connect(InetSocketAddress server, String host, SSLContext tls) throws IOException {
    SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket();
    try {
      s.connect(server, 10_000);
      s.setTcpNoDelay(true);
      SSLParameters p = s.getSSLParameters();
      p.setEndpointIdentificationAlgorithm("HTTPS"); // the name or address in the URI must be the certificate's
      if (!host.matches("[0-9.]+|.*:.*")) {
        p.setServerNames(java.util.List.of(new SNIHostName(host)));
      }
      s.setSSLParameters(p);
      s.startHandshake();
      TlsTransport t = new TlsTransport(s, server);
      t.reader.start();
      return t;
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
      byte[] bytes = new byte[message.readableBytes()];
      message.getBytes(message.readerIndex(), bytes);
      out.write(bytes);
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
    return "tls";
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
