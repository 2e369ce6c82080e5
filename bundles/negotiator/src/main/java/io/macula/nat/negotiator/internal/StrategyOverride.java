package io.macula.nat.negotiator.internal;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * An operator's override of one strategy's settings: one factory configuration per strategy, with
 * the PID {@code io.macula.nat.strategy~NAME}. A key left out keeps the strategy's own default.
 */
@Component(
    service = StrategyOverride.class,
    configurationPid = StrategyOverride.FACTORY_PID,
    configurationPolicy = ConfigurationPolicy.REQUIRE)
@Designate(ocd = StrategyOverride.Config.class, factory = true)
public final class StrategyOverride {
  static final String FACTORY_PID = "io.macula.nat.strategy";

  // A double underscore in a method name gives an underscore in the key (a single one, a dot).
  @ObjectClassDefinition(
      name = "Macula NAT strategy",
      description =
          "Overrides one connection strategy's defaults. Leave a value out to keep the strategy's"
              + " own.")
  public @interface Config {
    @AttributeDefinition(description = "The strategy's name, as nat:strategies lists it.")
    String name();

    @AttributeDefinition(
        required = false,
        description = "Whether connects use the strategy.")
    boolean enabled();

    @AttributeDefinition(
        required = false,
        description = "Higher goes first. Roadmap defaults: direct 100, holepunch 80, hub relay 40.")
    int priority();

    @AttributeDefinition(
        required = false,
        min = "1",
        description = "Milliseconds to wait for the strategy before the next one starts.")
    long timeout__ms();
  }

  static final String NAME = "name";
  static final String ENABLED = "enabled";
  static final String PRIORITY = "priority";
  static final String TIMEOUT_MS = "timeout_ms";

  private final String name;
  private final Optional<Boolean> enabled;
  private final OptionalInt priority;
  private final Optional<Duration> timeout;

  @Activate
  public StrategyOverride(Map<String, Object> properties) {
    this(ConfigValues.parse(properties));
  }

  StrategyOverride(ConfigValues values) {
    this.name = values.name();
    this.enabled = values.enabled();
    this.priority = values.priority();
    this.timeout = values.timeout();
  }

  String name() {
    return name;
  }

  EffectiveStrategy applyTo(EffectiveStrategy s) {
    return new EffectiveStrategy(
        s.strategy(),
        s.name(),
        priority.orElse(s.priority()),
        timeout.orElse(s.timeout()),
        enabled.orElse(s.enabled()),
        s.bundle());
  }

  /** The typed values of one override configuration; a bad value names its key and reason. */
  record ConfigValues(
      String name, Optional<Boolean> enabled, OptionalInt priority, Optional<Duration> timeout) {

    static ConfigValues parse(Map<String, ?> p) {
      Object rawName = p.get(NAME);
      if (!(rawName instanceof String n) || n.isBlank()) {
        throw new IllegalArgumentException(
            FACTORY_PID + ": key '" + NAME + "' is required: the strategy's name");
      }
      Optional<Boolean> enabled = Optional.ofNullable(p.get(ENABLED)).map(v -> parseBoolean(v));
      OptionalInt priority =
          p.get(PRIORITY) == null ? OptionalInt.empty() : OptionalInt.of(parseInt(p.get(PRIORITY)));
      Optional<Duration> timeout =
          Optional.ofNullable(p.get(TIMEOUT_MS)).map(v -> Duration.ofMillis(parseTimeout(v)));
      return new ConfigValues(n.strip(), enabled, priority, timeout);
    }

    private static boolean parseBoolean(Object v) {
      String s = v.toString().strip();
      if (s.equalsIgnoreCase("true")) return true;
      if (s.equalsIgnoreCase("false")) return false;
      throw new IllegalArgumentException(
          FACTORY_PID + ": key '" + ENABLED + "' must be true or false, not '" + s + "'");
    }

    private static int parseInt(Object v) {
      if (v instanceof Number n) return n.intValue();
      try {
        return Integer.parseInt(v.toString().strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            FACTORY_PID + ": key '" + PRIORITY + "' must be an integer, not '" + v + "'");
      }
    }

    private static long parseTimeout(Object v) {
      long ms;
      if (v instanceof Number n) {
        ms = n.longValue();
      } else {
        try {
          ms = Long.parseLong(v.toString().strip());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(
              FACTORY_PID + ": key '" + TIMEOUT_MS + "' must be milliseconds, not '" + v + "'");
        }
      }
      if (ms < 1) {
        throw new IllegalArgumentException(
            FACTORY_PID + ": key '" + TIMEOUT_MS + "' must be at least 1, not " + ms);
      }
      return ms;
    }
  }
}
