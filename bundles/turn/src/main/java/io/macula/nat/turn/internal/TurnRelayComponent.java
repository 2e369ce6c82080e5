package io.macula.nat.turn.internal;

import io.macula.nat.api.NatBehavior;
import io.macula.nat.api.SharedSocket;
import io.macula.nat.stun.api.NatInfo;
import io.macula.nat.stun.api.NatListener;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.turn.api.RelayedAddress;
import io.macula.nat.turn.api.TurnContext;
import io.macula.nat.turn.api.TurnFailure;
import io.macula.nat.turn.api.TurnRelay;
import io.macula.nat.turn.api.TurnServerOffer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The node's TURN client: allocates its relayed address on the first server that gives one (those
 * configured, then those its {@link TurnContext}s offer: the hub's), over the node's own socket
 * (UDP) or a TCP connection, and keeps it.
 */
@Component(service = {TurnRelay.class, NatListener.class}, configurationPid = TurnRelayComponent.PID,
    immediate = true)
@Designate(ocd = TurnRelayComponent.Config.class)
public final class TurnRelayComponent implements TurnRelay, NatListener {
  static final String PID = "io.macula.nat.turn";
  /** Over UDP a request is sent at 0, 200, 600 and 1400 ms and given up at 2.2 s; over TCP sent once. */
  static final RetransmissionSchedule SCHEDULE = new RetransmissionSchedule(Duration.ofMillis(200), 4, 4);
  /** The least time before time-limited credentials expire that their allocation is renewed. */
  static final Duration RENEWAL_MARGIN = Duration.ofSeconds(10);
  static final Duration RENEWAL_RETRY = Duration.ofSeconds(2);
  /** A renewed allocation is deleted this long before its credentials expire (after, the server refuses). */
  static final Duration RELEASE_BEFORE_EXPIRY = Duration.ofSeconds(2);

  @ObjectClassDefinition(name = "Macula NAT TURN client",
      description = "The TURN servers this node may hold a relayed address on, and its credentials for them.")
  public @interface Config {
    @AttributeDefinition(required = false, description = "TURN servers, turn:host[:port][?transport=udp|tcp],"
        + " turns:host[:port] (TLS) or host:port (UDP, then TCP), tried in order.")
    String[] turn__servers() default {};

    @AttributeDefinition(required = false, description = "The long-term credential's username; with 'secret', the"
        + " user part of the time-limited username.")
    String username() default "";

    @AttributeDefinition(required = false, type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD,
        description = "The long-term credential's password.")
    String credential() default "";

    @AttributeDefinition(required = false, type = org.osgi.service.metatype.annotations.AttributeType.PASSWORD,
        description = "A secret shared with the servers (coturn's static-auth-secret): credentials are then made"
            + " from it, valid for rest_lifetime_s, as the TURN REST API does.")
    String secret() default "";

    @AttributeDefinition(min = "60", description = "Seconds the credentials made from 'secret' stay valid.")
    long rest__lifetime__s() default 86_400;

    @AttributeDefinition(required = false, description = "A PEM file of the certificates to trust for turns:"
        + " servers (their authority's, or their own); by default the authorities the JVM trusts.")
    String trust() default "";
  }

  private final Logger log;
  private final SharedSocket socket;
  private final List<TurnServerUri> servers;
  private final Config config;
  /**
   * TLS to turns: servers under the trust file's certificates, made at activation so that a bad file
   * is refused then; null for the JVM's authorities, whose context (about 70 ms to make: it reads
   * the JVM's trust store) is made at the first turns: connect, not at every node's start.
   */
  private final SSLContext trusted;
  private final ScheduledExecutorService timer;
  /** Where allocations run: they wait for answers, which the timer's retransmissions bring. */
  private final java.util.concurrent.ExecutorService allocator;
  /** Whether the node's NAT discovery found UDP blocked: then only TCP is tried. */
  private volatile boolean udpBlocked;
  /** Closes each allocation's client and connection: when it lapses, is renewed, or the component stops. */
  private final Map<RelayedAddress, AutoCloseable> held = new ConcurrentHashMap<>();
  private final Set<BiConsumer<RelayedAddress, RelayedAddress>> renewalListeners = ConcurrentHashMap.newKeySet();
  private CompletableFuture<RelayedAddress> current; // guarded by this

  /** A server to try, and the credentials for it. */
  private record Candidate(TurnServerUri uri, Supplier<TurnCredentials> credentials) {}

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private final List<TurnContext> contexts = new CopyOnWriteArrayList<>();

  @Activate
  public TurnRelayComponent(Config config, @Reference SharedSocket socket,
      @Reference(service = LoggerFactory.class) Logger log) {
    this.servers = parseServers(config.turn__servers());
    checkCredentials(config);
    this.trusted = config.trust().isBlank() ? null : tls(config.trust());
    this.config = config;
    this.socket = socket;
    this.log = log;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "nat-turn-client");
      t.setDaemon(true);
      return t;
    });
    this.allocator = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "nat-turn-allocate");
      t.setDaemon(true);
      return t;
    });
  }

  static List<TurnServerUri> parseServers(String[] entries) {
    List<TurnServerUri> out = new ArrayList<>();
    for (String e : entries) {
      if (!e.isBlank()) {
        try {
          out.add(TurnServerUri.parse(e));
        } catch (IllegalArgumentException ex) {
          throw new IllegalArgumentException(PID + ": key 'turn_servers': " + ex.getMessage(), ex);
        }
      }
    }
    return List.copyOf(out);
  }

  /**
   * What TLS to turns: servers trusts: the certificates in a PEM file, or the JVM's authorities.
   *
   * @throws IllegalArgumentException naming the key, for a file that cannot be read or holds none
   */
  static SSLContext tls(String trust) {
    try {
      if (trust.isBlank()) {
        return SSLContext.getDefault();
      }
      KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
      anchors.load(null, null);
      try (InputStream in = Files.newInputStream(Path.of(trust.strip()))) {
        int n = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          anchors.setCertificateEntry("trusted-" + n++, c);
        }
        if (n == 0) {
          throw new IllegalArgumentException(PID + ": key 'trust': " + trust + " holds no certificate");
        }
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(anchors);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(PID + ": key 'trust': " + trust + ": " + e.getMessage(), e);
    }
  }

  static void checkCredentials(Config c) {
    if (c.rest__lifetime__s() < 60) {
      throw new IllegalArgumentException(PID + ": key 'rest_lifetime_s' must be at least 60, not " + c.rest__lifetime__s());
    }
    if (c.turn__servers().length > 0 && c.secret().isEmpty() && (c.username().isEmpty() || c.credential().isEmpty())) {
      throw new IllegalArgumentException(PID + ": keys 'username' and 'credential', or key 'secret', must be set:"
          + " a TURN server allocates only for credentials");
    }
  }

  @Deactivate
  void deactivate() {
    held.values().forEach(this::release);
    held.clear();
    timer.shutdownNow();
    allocator.shutdownNow();
  }

  @Override
  public void discovered(NatInfo info) {
    udpBlocked = info.behavior() == NatBehavior.UDP_BLOCKED;
  }

  @Override
  public List<String> servers() {
    return candidates().stream().map(c -> c.uri().text()).toList();
  }

  /** The configured servers, then those offered whose credentials have not expired. */
  private List<Candidate> candidates() {
    List<Candidate> out = new ArrayList<>();
    servers.forEach(uri -> out.add(new Candidate(uri, this::credentials)));
    Instant now = Instant.now();
    for (TurnContext context : contexts) {
      for (TurnServerOffer offer : context.turnServers()) {
        if (offer.expires().isAfter(now)) {
          try {
            TurnCredentials c = new TurnCredentials(offer.username(), offer.password(), offer.expires());
            out.add(new Candidate(TurnServerUri.parse(offer.uri()), () -> c));
          } catch (IllegalArgumentException e) {
            log.warn("TURN server offered as '{}' is not usable: {}", offer.uri(), e.getMessage());
          }
        }
      }
    }
    return out;
  }

  @Override
  public synchronized CompletableFuture<RelayedAddress> relayedAddress() {
    if (current == null || current.isCompletedExceptionally()
        || (current.isDone() && !current.join().isOpen())) {
      current = CompletableFuture.supplyAsync(this::allocate, allocator);
    }
    return current;
  }

  @Override
  public AutoCloseable onRenewal(BiConsumer<RelayedAddress, RelayedAddress> listener) {
    renewalListeners.add(listener);
    return () -> renewalListeners.remove(listener);
  }

  @Override
  public synchronized java.util.Optional<RelayedAddress> current() {
    CompletableFuture<RelayedAddress> c = current;
    if (c == null || !c.isDone() || c.isCompletedExceptionally() || !c.join().isOpen()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(c.join());
  }

  /** On the allocator's thread: every server, and every transport each allows, until one allocates. */
  private RelayedAddress allocate() {
    return allocate(Instant.MIN);
  }

  /** As {@link #allocate()}, with credentials that hold past {@code after} only. */
  private RelayedAddress allocate(Instant after) {
    held.entrySet().removeIf(e -> {
      if (!e.getKey().isOpen()) {
        release(e.getValue()); // lapsed: its client and connection go
        return true;
      }
      return false;
    });
    List<Candidate> candidates = candidates();
    if (candidates.isEmpty()) {
      throw new java.util.concurrent.CompletionException(
          new TurnFailure("no TURN server is configured, and the hub offers none"));
    }
    List<String> failures = new ArrayList<>();
    for (Candidate candidate : candidates) {
      TurnServerUri uri = candidate.uri();
      for (String transport : uri.transports()) {
        if (transport.equals("udp") && udpBlocked && uri.transports().size() > 1) {
          continue; // UDP gets no answer here: TCP at once
        }
        try {
          TurnCredentials credentials = candidate.credentials().get();
          if (!credentials.expires().isAfter(after)) {
            failures.add(uri + ": its credentials expire no later than those renewed");
            break;
          }
          RelayedAddress a = allocate(uri, transport, credentials);
          log.info("relayed address {} on {} over {}", a.relayed(), uri, transport);
          return a;
        } catch (TurnFailure e) {
          failures.add(e.getMessage());
          if (e.getCause() instanceof TurnException t && t.code() == 401) {
            break; // refused credentials: the other transport would be refused too
          }
        }
      }
    }
    throw new java.util.concurrent.CompletionException(
        new TurnFailure("no TURN server gave a relayed address: " + String.join("; ", failures)));
  }

  private RelayedAddress allocate(TurnServerUri uri, String transport, TurnCredentials credentials)
      throws TurnFailure {
    String where = uri + " over " + transport;
    InetSocketAddress server = uri.hostPort().resolve();
    if (server.isUnresolved()) {
      throw new TurnFailure(where + ": " + uri.hostPort().host() + " does not resolve");
    }
    TurnTransport t;
    TurnClient client;
    if (transport.equals("udp")) {
      SocketTransport udp = new SocketTransport(socket, server);
      client = new TurnClient(udp, credentials, timer, SCHEDULE);
      udp.deliverTo(client);
      t = udp;
    } else {
      StreamTransport stream;
      try {
        stream = transport.equals("tls")
            ? StreamTransport.tls(server, uri.hostPort().host(), trusted != null ? trusted : tls(""))
            : StreamTransport.tcp(server);
      } catch (IOException e) {
        throw new TurnFailure(where + ": " + e.getMessage(), e);
      }
      client = new TurnClient(stream, credentials, timer, SCHEDULE);
      stream.receiver(client::received);
      t = stream;
    }
    try {
      Allocation a = client.allocate().get(SCHEDULE.giveUp().toMillis() * 3, TimeUnit.MILLISECONDS);
      held.put(a, () -> close(client, t));
      scheduleRenewal(a);
      return a;
    } catch (ExecutionException e) {
      close(client, t);
      throw new TurnFailure(where + ": " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      close(client, t);
      throw new TurnFailure(where + ": no answer", e);
    } catch (InterruptedException e) {
      close(client, t);
      Thread.currentThread().interrupt();
      throw new TurnFailure(where + ": interrupted", e);
    }
  }

  /**
   * Renews an allocation made with time-limited credentials a while before they expire (a fifth of
   * their time left, at least 10 s; half of it when shorter): the server would end it then.
   */
  private void scheduleRenewal(RelayedAddress a) {
    if (a.expires().equals(Instant.MAX)) {
      return;
    }
    Duration left = Duration.between(Instant.now(), a.expires());
    Duration margin = left.dividedBy(5).compareTo(RENEWAL_MARGIN) > 0 ? left.dividedBy(5) : RENEWAL_MARGIN;
    Duration in = left.compareTo(margin.multipliedBy(2)) > 0 ? left.minus(margin) : left.dividedBy(2);
    timer.schedule(() -> allocator.execute(() -> renew(a)), in.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** On the allocator's thread: a new relayed address in place of {@code old}, whose credentials run out. */
  private void renew(RelayedAddress old) {
    synchronized (this) {
      if (!old.isOpen() || current == null || !current.isDone() || current.isCompletedExceptionally()
          || current.join() != old) {
        return; // lapsed or replaced already: the next relayedAddress() allocates
      }
    }
    RelayedAddress renewed;
    try {
      renewed = allocate(old.expires());
    } catch (java.util.concurrent.CompletionException e) {
      Duration left = Duration.between(Instant.now(), old.expires());
      log.warn("relayed address {} not renewed ({} left): {}", old.relayed(), left, e.getCause().getMessage());
      if (left.compareTo(RENEWAL_RETRY.multipliedBy(2)) > 0) {
        timer.schedule(() -> allocator.execute(() -> renew(old)), RENEWAL_RETRY.toMillis(), TimeUnit.MILLISECONDS);
      }
      return;
    }
    synchronized (this) {
      current = CompletableFuture.completedFuture(renewed);
    }
    log.info("relayed address {} renewed as {} before its credentials expire at {}", old.relayed(),
        renewed.relayed(), old.expires());
    renewalListeners.forEach(l -> l.accept(old, renewed));
    // What used the old address has until shortly before its end to move; then it is deleted.
    long closeIn = Math.max(0, Duration.between(Instant.now(), old.expires()).minus(RELEASE_BEFORE_EXPIRY).toMillis());
    timer.schedule(() -> release(held.remove(old)), closeIn, TimeUnit.MILLISECONDS);
  }

  private void release(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing a TURN client: {}", e.toString());
      }
    }
  }

  private static void close(TurnClient client, TurnTransport t) {
    client.close();
    try {
      ((AutoCloseable) t).close();
    } catch (Exception e) {
      // closing: nothing more to do
    }
  }

  private TurnCredentials credentials() {
    if (!config.secret().isEmpty()) {
      String user = config.username().isEmpty() ? "macula" : config.username();
      return TurnCredentials.rest(user, config.secret().getBytes(StandardCharsets.UTF_8),
          Duration.ofSeconds(config.rest__lifetime__s()), Clock.systemUTC());
    }
    return new TurnCredentials(config.username(), config.credential());
  }
}
