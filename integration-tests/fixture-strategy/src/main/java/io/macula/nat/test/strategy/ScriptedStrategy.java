package io.macula.nat.test.strategy;

import io.macula.nat.api.Applicability;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NodePair;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.StrategyFailure;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * A connection strategy whose attempts end as its configuration says, after a delay. Each factory
 * configuration registers one, so a test can install as many distinct strategies as it needs.
 */
@Component(configurationPid = ScriptedStrategy.FACTORY_PID, configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = ScriptedStrategy.Config.class, factory = true)
public final class ScriptedStrategy implements ConnectionStrategy {
  public static final String FACTORY_PID = "io.macula.nat.test.scripted";

  /** How an attempt ends. */
  public enum Outcome {
    SUCCEED,
    REFUSE,
    NETWORK_ERROR,
    NOT_APPLICABLE,
    HANG
  }

  // A double underscore in a method name gives an underscore in the key (a single one, a dot).
  @ObjectClassDefinition(name = "Scripted test strategy")
  public @interface Config {
    String name();

    int priority() default 50;

    long timeout__ms() default 1000;

    /** succeed, refuse, network_error, not_applicable or hang. */
    String outcome() default "succeed";

    long delay__ms() default 0;

    /** The kind of path a success yields, as PathKind names it. */
    String path() default "DIRECT";
  }

  private final String name;
  private final int priority;
  private final Duration timeout;
  private final Outcome outcome;
  private final long delayMs;
  private final PathKind kind;

  @Activate
  public ScriptedStrategy(Config config) {
    this.name = config.name();
    this.priority = config.priority();
    this.timeout = Duration.ofMillis(config.timeout__ms());
    this.outcome = Outcome.valueOf(config.outcome().toUpperCase(Locale.ROOT));
    this.delayMs = config.delay__ms();
    this.kind = PathKind.valueOf(config.path().toUpperCase(Locale.ROOT));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int priority() {
    return priority;
  }

  @Override
  public Duration timeout() {
    return timeout;
  }

  @Override
  public Applicability appliesTo(NodePair pair) {
    return outcome == Outcome.NOT_APPLICABLE
        ? Applicability.no("configured not to apply")
        : Applicability.yes();
  }

  @Override
  public CompletableFuture<PeerPath> attempt(NodePair pair) {
    CompletableFuture<PeerPath> result = new CompletableFuture<>();
    if (outcome == Outcome.HANG) {
      return result;
    }
    Executor later = CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS);
    later.execute(
        () -> {
          switch (outcome) {
            case SUCCEED -> result.complete(new ScriptedPath(name, kind));
            case REFUSE -> result.completeExceptionally(StrategyFailure.refused("configured to refuse"));
            case NETWORK_ERROR -> result.completeExceptionally(
                StrategyFailure.networkError("configured to fail", null));
            default -> result.completeExceptionally(
                StrategyFailure.notApplicable("configured not to apply"));
          }
        });
    return result;
  }

  private record ScriptedPath(String strategy, PathKind kind) implements PeerPath {
    @Override
    public Optional<Duration> roundTripTime() {
      return Optional.empty();
    }

    @Override
    public long bytesSent() {
      return 0;
    }

    @Override
    public long bytesReceived() {
      return 0;
    }
  }
}
