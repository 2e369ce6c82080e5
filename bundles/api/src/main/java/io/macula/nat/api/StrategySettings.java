package io.macula.nat.api;

import java.time.Duration;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Overrides of a strategy's enabled flag, priority and timeout, kept in ConfigAdmin so they
 * survive a restart. Each method returns once the change applies to the next connect.
 *
 * @throws IllegalArgumentException from every method, naming the problem, when no strategy of
 *     that name is installed or a value is out of range
 */
@ProviderType
public interface StrategySettings {
  void setEnabled(String strategy, boolean enabled);

  void setPriority(String strategy, int priority);

  void setTimeout(String strategy, Duration timeout);
}
