package io.macula.nat.turn.internal;

import io.macula.nat.api.HostPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * The TURN server as a process of its own: {@code --listen host:port}, {@code --relay-ip ip} (the
 * address relayed sockets bind; needed when listening on a wildcard), {@code --realm r}, users with
 * {@code --user name:password} (repeatable) and/or the REST form with {@code --rest-secret s},
 * {@code --allow-peers cidr,...} for peer ranges refused by default, {@code --quota n} allocations
 * per user, {@code --bandwidth n} bytes a second relayed in all (0, the default: no limit). Prints "listening" once bound.
 */
public final class StandaloneTurnServer {
  private StandaloneTurnServer() {}

  public static void main(String[] args) throws Exception {
    InetSocketAddress listen = new InetSocketAddress("0.0.0.0", 3478);
    InetAddress relayIp = null;
    String realm = "macula";
    Map<String, String> users = new HashMap<>();
    Optional<byte[]> secret = Optional.empty();
    List<String> allowed = new ArrayList<>();
    int quota = 10;
    long bandwidth = 0;
    try {
      for (int i = 0; i < args.length; i++) {
        String option = args[i];
        if (i + 1 == args.length) {
          throw new IllegalArgumentException(option + " needs a value");
        }
        String value = args[++i];
        switch (option) {
          case "--listen" -> listen = HostPort.parse(value).resolved();
          case "--relay-ip" -> relayIp = InetAddress.getByName(value);
          case "--realm" -> realm = value;
          case "--user" -> {
            int colon = value.indexOf(':');
            if (colon <= 0) {
              throw new IllegalArgumentException("--user takes name:password");
            }
            users.put(value.substring(0, colon), value.substring(colon + 1));
          }
          case "--rest-secret" -> secret = Optional.of(value.getBytes(StandardCharsets.UTF_8));
          case "--allow-peers" -> allowed.addAll(List.of(value.split(",")));
          case "--quota" -> quota = Integer.parseInt(value);
          case "--bandwidth" -> bandwidth = Long.parseLong(value);
          default -> throw new IllegalArgumentException("unknown option " + option);
        }
      }
      if (relayIp == null) {
        if (listen.getAddress().isAnyLocalAddress()) {
          throw new IllegalArgumentException("listening on " + listen + ": --relay-ip must say which address peers reach");
        }
        relayIp = listen.getAddress();
      }
      if (users.isEmpty() && secret.isEmpty()) {
        throw new IllegalArgumentException("no --user and no --rest-secret: nobody could allocate");
      }
      PeerFilter.allowing(allowed); // says what is wrong with a range before the server starts
    } catch (IllegalArgumentException | java.net.UnknownHostException e) {
      System.err.println(e.getMessage());
      System.err.println("usage: StandaloneTurnServer [--listen host:port] [--relay-ip ip] [--realm r]"
          + " [--user name:password]... [--rest-secret s] [--allow-peers cidr,...] [--quota n] [--bandwidth bytes/s]");
      System.exit(2);
      return;
    }
    ServerCredentials credentials = new ServerCredentials(realm, users, secret, Clock.systemUTC(),
        ServerCredentials.NONCE_LIFETIME);
    try (TurnServer server = new TurnServer(new TurnServer.Settings(listen, relayIp, credentials,
        PeerFilter.allowing(allowed), quota, Duration.ofMinutes(10), Duration.ofHours(1), bandwidth, Clock.systemUTC()))) {
      System.out.println("listening on " + server.localAddress() + ", relaying from " + relayIp);
      System.out.flush();
      new CountDownLatch(1).await();
    }
  }
}
