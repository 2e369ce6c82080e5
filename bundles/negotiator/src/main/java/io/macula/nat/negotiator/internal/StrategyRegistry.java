package io.macula.nat.negotiator.internal;

import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.StrategyStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The strategies present now, the operator's overrides, and per-name counters that outlive a
 * strategy's departure and return. Each connect takes a {@link #plan() snapshot}.
 */
final class StrategyRegistry {
  /** Names become part of a configuration PID and are typed by operators. */
  static final Pattern VALID_NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

  private static final Comparator<EffectiveStrategy> BY_PRIORITY =
      Comparator.comparingInt(EffectiveStrategy::priority)
          .reversed()
          .thenComparing(EffectiveStrategy::name);

  private final Object lock = new Object();

  /** Guarded by {@link #lock}; in the order the services arrived. */
  private final Map<ConnectionStrategy, EffectiveStrategy> defaults = new LinkedHashMap<>();

  /** Guarded by {@link #lock}; by strategy name. */
  private final Map<String, StrategyOverride> overrides = new HashMap<>();

  private final Map<String, Counters> counters = new ConcurrentHashMap<>();

  /**
   * Adds a strategy, reading its defaults once.
   *
   * @return why it was refused, or empty when added
   */
  Optional<String> add(ConnectionStrategy strategy, String bundle) {
    String name;
    int priority;
    Duration timeout;
    try {
      name = strategy.name();
      priority = strategy.priority();
      timeout = strategy.timeout();
    } catch (RuntimeException e) {
      return Optional.of("its name, priority or timeout threw " + e);
    }
    if (name == null || !VALID_NAME.matcher(name).matches()) {
      return Optional.of("its name '" + name + "' is not lowercase letters, digits, '.', '-', '_'");
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      return Optional.of("its timeout " + timeout + " is not positive");
    }
    synchronized (lock) {
      for (EffectiveStrategy s : defaults.values()) {
        if (s.name().equals(name)) {
          return Optional.of("a strategy named '" + name + "' is already present, from " + s.bundle());
        }
      }
      defaults.put(strategy, new EffectiveStrategy(strategy, name, priority, timeout, true, bundle));
      lock.notifyAll();
    }
    return Optional.empty();
  }

  /** @return the name of the strategy removed, if it was present */
  Optional<String> remove(ConnectionStrategy strategy) {
    synchronized (lock) {
      EffectiveStrategy gone = defaults.remove(strategy);
      lock.notifyAll();
      return Optional.ofNullable(gone).map(EffectiveStrategy::name);
    }
  }

  void addOverride(StrategyOverride override) {
    synchronized (lock) {
      overrides.put(override.name(), override);
      lock.notifyAll();
    }
  }

  void removeOverride(StrategyOverride override) {
    synchronized (lock) {
      overrides.remove(override.name(), override);
      lock.notifyAll();
    }
  }

  /** Every strategy present, with overrides applied, highest effective priority first. */
  List<EffectiveStrategy> all() {
    List<EffectiveStrategy> out = new ArrayList<>();
    synchronized (lock) {
      for (EffectiveStrategy s : defaults.values()) {
        StrategyOverride o = overrides.get(s.name());
        out.add(o == null ? s : o.applyTo(s));
      }
    }
    out.sort(BY_PRIORITY);
    return out;
  }

  /** What the next connect uses: the enabled strategies, in the order it tries them. */
  List<EffectiveStrategy> plan() {
    return all().stream().filter(EffectiveStrategy::enabled).toList();
  }

  Optional<EffectiveStrategy> find(String name) {
    return all().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  List<String> names() {
    return all().stream().map(EffectiveStrategy::name).toList();
  }

  /**
   * Waits until the named strategy's effective settings satisfy {@code condition}: used to return
   * from an operator's change only once the next connect will see it.
   */
  boolean await(String name, Predicate<EffectiveStrategy> condition, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (true) {
        if (find(name).filter(condition).isPresent()) {
          return true;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        lock.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  Counters counters(String name) {
    return counters.computeIfAbsent(name, n -> new Counters());
  }

  List<StrategyStatus> status() {
    return all().stream()
        .map(
            s -> {
              Counters c = counters(s.name());
              return new StrategyStatus(
                  s.name(),
                  s.priority(),
                  s.timeout(),
                  s.enabled(),
                  c.attempts.get(),
                  c.successes.get(),
                  s.bundle());
            })
        .toList();
  }

  /** Attempts started and attempts that won, per strategy name. */
  static final class Counters {
    final AtomicLong attempts = new AtomicLong();
    final AtomicLong successes = new AtomicLong();
  }
}
