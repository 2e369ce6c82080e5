package io.macula.nat.stun.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.stun.api.BindingResult;
import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.StunServerAddress;
import io.macula.nat.stun.api.StunTransactionException;
import io.macula.nat.testing.Coturn;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Interop with coturn, a third-party STUN server and client, both ways, on loopback. */
class CoturnInteropTest {
  @TempDir Path dir;

  @BeforeAll
  static void coturnIsThere() {
    Coturn.require();
  }

  @Test
  void ourClientGetsItsMappedAddressAndTheRfc5780AddressesFromCoturn() throws Exception {
    int port = Coturn.freePortPair();
    try (Coturn coturn = Coturn.start(dir, port, "--listening-ip=127.0.0.2", "--alt-listening-port=" + (port + 1));
        LoopbackStun client = new LoopbackStun(List.of(StunServerAddress.of(new InetSocketAddress("127.0.0.1", port))))) {
      BindingResult r = bindingOnceUp(client, coturn, Optional.empty());
      assertEquals(client.socket.localAddress(), r.mapped());
      assertEquals(new InetSocketAddress("127.0.0.2", port + 1), r.otherAddress().orElseThrow());
      assertEquals(coturn.address(), r.responseOrigin().orElseThrow());
      assertTrue(r.software().orElse("").contains("Coturn"), "SOFTWARE " + r.software());
    }
  }

  @Test
  void withSecureStunOurClientAnswersTheChallengeWithLongTermCredentials() throws Exception {
    int port = Coturn.freePortPair();
    try (Coturn coturn = Coturn.start(dir, port, "--secure-stun", "--lt-cred-mech",
            "--user=alice:wonderland", "--realm=macula.test");
        LoopbackStun client = new LoopbackStun(List.of())) {
      StunServerAddress withCredentials =
          new StunServerAddress("127.0.0.1", port, Optional.of("alice"), Optional.of("wonderland"));
      BindingResult r = bindingOnceUp(client, coturn, Optional.of(withCredentials));
      assertEquals(client.socket.localAddress(), r.mapped());

      StunServerAddress anonymous = StunServerAddress.of(coturn.address());
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> client.stack.binding(anonymous).get(10, TimeUnit.SECONDS));
      StunTransactionException t = assertInstanceOf(StunTransactionException.class, e.getCause());
      assertEquals(ErrorCode.UNAUTHENTICATED, t.error().orElseThrow().code(), t.getMessage());

      StunServerAddress wrong =
          new StunServerAddress("127.0.0.1", port, Optional.of("alice"), Optional.of("queen"));
      ExecutionException w = assertThrows(ExecutionException.class,
          () -> client.stack.binding(wrong).get(10, TimeUnit.SECONDS));
      assertEquals(ErrorCode.UNAUTHENTICATED,
          assertInstanceOf(StunTransactionException.class, w.getCause()).error().orElseThrow().code());
    }
  }

  /**
   * coturn's own client, turnutils_stunclient, runs its RFC 5780 exchange against our server and
   * against coturn set up alike: it must read the same origins and other addresses from both.
   */
  @Test
  void coturnsClientReadsFromOurServerWhatItReadsFromCoturn() throws Exception {
    int ours = Coturn.freePortPair();
    String fromOurs;
    try (StandaloneStunServer server = new StandaloneStunServer(
        new InetSocketAddress("127.0.0.1", ours), InetAddress.getByName("127.0.0.2"), 0)) {
      String[] run = Coturn.stunclient(server.localAddress());
      assertEquals("0", run[0], run[1]);
      fromOurs = run[1];
    }
    int theirs = Coturn.freePortPair();
    String fromCoturn;
    try (Coturn coturn = Coturn.start(dir, theirs, "--listening-ip=127.0.0.2", "--alt-listening-port=" + (theirs + 1));
        LoopbackStun probe = new LoopbackStun(List.of())) {
      bindingOnceUp(probe, coturn, Optional.of(StunServerAddress.of(coturn.address())));
      String[] run = Coturn.stunclient(coturn.address());
      assertEquals("0", run[0], run[1]);
      fromCoturn = run[1];
    }
    List<String> oursSeen = addresses(fromOurs, ours);
    List<String> coturnSeen = addresses(fromCoturn, theirs);
    assertTrue(oursSeen.size() >= 3, "turnutils_stunclient read too little from our server:\n" + fromOurs);
    assertEquals(coturnSeen, oursSeen, "ours:\n" + fromOurs + "\ncoturn:\n" + fromCoturn);
    Matcher reflexive = Pattern.compile("UDP reflexive addr: 127\\.0\\.0\\.1:\\d+").matcher(fromOurs);
    assertTrue(reflexive.find(), fromOurs);
  }

  /** The origin and other addresses turnutils_stunclient printed, with the server's ports named P and P+1. */
  private static List<String> addresses(String output, int port) {
    Matcher m = Pattern.compile("(Response origin|Other addr): : ([0-9.]+):(\\d+)").matcher(output);
    List<String> out = new java.util.ArrayList<>();
    while (m.find()) {
      int p = Integer.parseInt(m.group(3));
      out.add(m.group(1) + " " + m.group(2) + ":" + (p == port ? "P" : p == port + 1 ? "P+1" : Integer.toString(p)));
    }
    return out;
  }

  /** Retries a Binding until coturn, just started, answers; with a deadline. */
  private static BindingResult bindingOnceUp(LoopbackStun client, Coturn coturn, Optional<StunServerAddress> server)
      throws Exception {
    StunServerAddress target = server.orElse(StunServerAddress.of(coturn.address()));
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    while (true) {
      try {
        return client.stack.binding(target).get(10, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        boolean noAnswerYet = e.getCause() instanceof StunTransactionException t
            && t.reason() == StunTransactionException.Reason.TIMED_OUT;
        if (!noAnswerYet || Instant.now().isAfter(deadline) || !coturn.isAlive()) {
          throw new AssertionError("coturn did not answer: " + e.getCause() + "\n" + coturn.log(), e);
        }
      }
    }
  }
}
