package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.testing.Coturn;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our TURN client against coturn (Debian's package), on loopback over UDP: it allocates with
 * static and with time-limited (REST) credentials, data crosses the relay both ways in Send and
 * Data indications and in ChannelData, and wrong credentials are refused with 401.
 */
class CoturnTurnTest {
  private static final String REALM = "macula.test";
  private static final byte[] SECRET = "shared-secret-of-the-test".getBytes(StandardCharsets.UTF_8);
  private static final RetransmissionSchedule FAST = new RetransmissionSchedule(Duration.ofMillis(100), 7, 16);

  @TempDir Path dir;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  static void coturnIsThere() {
    Coturn.require();
  }

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  private Coturn coturn(String... auth) throws Exception {
    int port = Coturn.freePortPair();
    String[] options = new String[auth.length + 4];
    options[0] = "--realm=" + REALM;
    options[1] = "--allow-loopback-peers"; // the peer of these tests is on loopback too
    options[2] = "--relay-ip=127.0.0.1";
    options[3] = "--no-tcp-relay";
    System.arraycopy(auth, 0, options, 4, auth.length);
    return Coturn.start(dir, port, options);
  }

  @Test
  void dataCrossesTheRelayBothWaysOverUdp() throws Exception {
    try (Coturn coturn = coturn("--lt-cred-mech", "--user=alice:wonderland");
        UdpTransport udp = new UdpTransport(coturn.address())) {
      TurnClient client = new TurnClient(udp, new TurnCredentials("alice", "wonderland"), timer, FAST);
      udp.receiver(client::received);
      RelayExchange.run(client, allocateOnceUp(client, coturn), udp.localAddress());
    }
  }

  /** Where UDP is blocked: the same through coturn, to it over TCP, ChannelData padded on the stream. */
  @Test
  void dataCrossesTheRelayBothWaysOverTcp() throws Exception {
    try (Coturn coturn = coturn("--lt-cred-mech", "--user=alice:wonderland");
        StreamTransport tcp = connectOnceUp(coturn)) {
      TurnClient client = new TurnClient(tcp, new TurnCredentials("alice", "wonderland"), timer, FAST);
      tcp.receiver(client::received);
      RelayExchange.run(client, client.allocate().get(10, TimeUnit.SECONDS), tcp.localAddress());
      assertTrue(tcp.isOpen(), "the stream stayed in step");
    }
  }

  /** Connects over TCP, once coturn listens: it takes a moment to start. */
  private static StreamTransport connectOnceUp(Coturn coturn) throws Exception {
    return connectOnceUp(() -> StreamTransport.tcp(coturn.address()), coturn);
  }

  /** A connect that may throw an IOException. */
  private interface Connect<T> {
    T connect() throws java.io.IOException;
  }

  private static <T> T connectOnceUp(Connect<T> connect, Coturn coturn) throws Exception {
    java.io.IOException last = null;
    for (int attempt = 0; attempt < 100 && coturn.isAlive(); attempt++) {
      try {
        return connect.connect();
      } catch (javax.net.ssl.SSLException e) {
        throw e; // the server answered, and the handshake failed
      } catch (java.io.IOException e) {
        last = e;
        Thread.sleep(50); // coturn is starting; nothing to wait on but its port
      }
    }
    throw new AssertionError("coturn never listened: " + coturn.log(), last);
  }

  /**
   * turns: where only TLS gets out: the same through coturn over TLS, its certificate (for
   * 127.0.0.1, made by openssl for the test) the one trusted; with only the JVM's authorities
   * trusted, the handshake is refused.
   */
  @Test
  void dataCrossesTheRelayBothWaysOverTls() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
        "-keyout", key.toString(), "-out", cert.toString()).redirectErrorStream(true).start();
    String made = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, openssl.waitFor(), "openssl made the certificate: " + made);
    int tlsPort = Coturn.freePortPair();
    try (Coturn coturn = coturn("--lt-cred-mech", "--user=alice:wonderland", "--cert=" + cert, "--pkey=" + key,
        "--tls-listening-port=" + tlsPort)) {
      InetSocketAddress server = new InetSocketAddress("127.0.0.1", tlsPort);
      try (StreamTransport tls = connectOnceUp(() -> StreamTransport.tls(server, "127.0.0.1",
          TurnRelayComponent.tls(cert.toString())), coturn)) {
        TurnClient client = new TurnClient(tls, new TurnCredentials("alice", "wonderland"), timer, FAST);
        tls.receiver(client::received);
        RelayExchange.run(client, client.allocate().get(10, TimeUnit.SECONDS), tls.localAddress());
        assertTrue(tls.isOpen(), "the stream stayed in step");
      }
      assertThrows(javax.net.ssl.SSLHandshakeException.class,
          () -> StreamTransport.tls(server, "127.0.0.1", TurnRelayComponent.tls("")).close(),
          "a certificate no trusted authority signed is refused");
    }
  }

  @Test
  void timeLimitedCredentialsFromTheSharedSecretAllocate() throws Exception {
    try (Coturn coturn = coturn("--use-auth-secret", "--static-auth-secret=" + new String(SECRET, StandardCharsets.UTF_8));
        UdpTransport udp = new UdpTransport(coturn.address())) {
      TurnCredentials rest = TurnCredentials.rest("alice", SECRET, Duration.ofHours(1), Clock.systemUTC());
      Allocation a = allocateOnceUp(client(udp, rest), coturn);
      assertEquals("127.0.0.1", a.relayed().getHostString());
      a.release().get(5, TimeUnit.SECONDS);
    }
    try (Coturn coturn = coturn("--use-auth-secret", "--static-auth-secret=" + new String(SECRET, StandardCharsets.UTF_8));
        UdpTransport udp = new UdpTransport(coturn.address())) {
      TurnCredentials expired = TurnCredentials.rest("alice", SECRET, Duration.ofHours(-1), Clock.systemUTC());
      assertEquals(401, refusal(client(udp, expired), coturn).code(), "expired credentials are refused");
    }
  }

  @Test
  void aWrongPasswordIsRefusedWith401() throws Exception {
    try (Coturn coturn = coturn("--lt-cred-mech", "--user=alice:wonderland");
        UdpTransport udp = new UdpTransport(coturn.address())) {
      TurnException e = refusal(client(udp, new TurnCredentials("alice", "looking-glass")), coturn);
      assertEquals(401, e.code());
      assertTrue(e.getMessage().contains("refused the credentials of alice"), e.getMessage());
    }
  }

  private TurnClient client(UdpTransport udp, TurnCredentials credentials) {
    TurnClient client = new TurnClient(udp, credentials, timer, FAST);
    udp.receiver(client::received);
    return client;
  }

  /** Allocates, once coturn has bound its port: it takes a moment to start. */
  private static Allocation allocateOnceUp(TurnClient client, Coturn coturn) throws Exception {
    ExecutionException last = null;
    for (int attempt = 0; attempt < 20 && coturn.isAlive(); attempt++) {
      try {
        return client.allocate().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof TurnException t && t.code() != 0) {
          throw e; // the server answered: no point in asking again
        }
        last = e;
      }
    }
    throw new AssertionError("coturn never answered: " + coturn.log(), last);
  }

  private static TurnException refusal(TurnClient client, Coturn coturn) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> allocateOnceUp(client, coturn));
    return assertInstanceOf(TurnException.class, e.getCause());
  }




}
