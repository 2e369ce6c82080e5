package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.testing.Coturn;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * coturn's own TURN client, {@code turnutils_uclient}, through our server to coturn's echoing
 * peer, {@code turnutils_peer}: every message comes back, none lost.
 */
class UclientInteropTest {
  private static final Path UCLIENT = Path.of("/usr/bin/turnutils_uclient");
  private static final Path PEER = Path.of("/usr/bin/turnutils_peer");

  @BeforeAll
  static void coturnIsThere() {
    Coturn.require();
  }

  @Test
  void coturnsClientRelaysThroughOurServerWithNothingLost() throws Exception {
    relayWithNothingLost();
  }

  /** The same with the client on TCP to our server (relayed to the peer over UDP, as ever). */
  @Test
  void overTcpToo() throws Exception {
    relayWithNothingLost("-t");
  }

  private void relayWithNothingLost(String... flags) throws Exception {
    assertTrue(Files.isExecutable(UCLIENT) && Files.isExecutable(PEER), "coturn's test tools");
    ServerCredentials credentials = new ServerCredentials("macula.test", Map.of("alice", "wonderland"),
        Optional.empty(), Clock.systemUTC(), ServerCredentials.NONCE_LIFETIME);
    int peerPort = freeUdpPort();
    Process peer = new ProcessBuilder(PEER.toString(), "-L", "127.0.0.1", "-p", String.valueOf(peerPort))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try (TurnServer server = new TurnServer(new TurnServer.Settings(new InetSocketAddress("127.0.0.1", 0),
        InetAddress.getByName("127.0.0.1"), credentials, PeerFilter.allowing(List.of("127.0.0.0/8")), 10,
        Duration.ofMinutes(10), Duration.ofHours(1), 0, Clock.systemUTC()))) {
      List<String> command = new java.util.ArrayList<>(List.of("timeout", "60", UCLIENT.toString(), "-u", "alice",
          "-w", "wonderland", "-e", "127.0.0.1", "-r", String.valueOf(peerPort), "-n", "50", "-l", "120", "-m", "2",
          "-c", "-X", "-p", String.valueOf(server.localAddress().getPort())));
      command.addAll(List.of(flags));
      command.add("127.0.0.1");
      Process client = new ProcessBuilder(command).redirectErrorStream(true).start();
      String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(client.waitFor(70, TimeUnit.SECONDS), out);
      out.lines().filter(l -> l.contains("Total") || l.contains("Average")).forEach(l -> System.out.println("uclient: " + l.strip()));
      Matcher lost = Pattern.compile("Total lost packets (\\d+)").matcher(out);
      Matcher sent = Pattern.compile("total send dropped (\\d+)").matcher(out);
      assertTrue(lost.find(), "uclient reports its losses:\n" + out + "\nour server counted " + server.counters());
      assertTrue(lost.group(1).equals("0"), "nothing lost:\n" + out + "\nour server counted " + server.counters());
      assertTrue(!sent.find() || sent.group(1).equals("0"), out);
      assertTrue(server.counters().getOrDefault("relayed-packets", 0L) >= 2 * 2 * 50, server.counters().toString());
    } finally {
      peer.destroy();
    }
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      return s.getLocalPort();
    }
  }
}
