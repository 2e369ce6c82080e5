package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.macula.nat.api.Negotiator;
import io.macula.nat.api.PeerConnection;
import io.macula.nat.api.StrategySettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.ConfigurationAdmin;

/** ConfigAdmin overrides of priority, timeout and enabled change what the next connect does. */
@RunWith(PaxExam.class)
public class OverridesIT {
  @Inject BundleContext context;
  @Inject ConfigurationAdmin cm;
  @Inject Negotiator negotiator;
  @Inject StrategySettings settings;

  private Fixtures fixtures;

  @Configuration
  public Option[] config() {
    return options(TestRuntime.base());
  }

  @Before
  public void setUp() throws Exception {
    fixtures = new Fixtures(context, cm);
    fixtures.strategy("alpha", 100, 2000, "succeed", "DIRECT");
    fixtures.strategy("beta", 50, 2000, "succeed", "HUB_RELAY");
    fixtures.installScriptedStrategies();
    Fixtures.awaitStrategies(negotiator, "alpha", "beta");
  }

  @Test
  public void aPriorityOverrideReordersTheAttempts() throws Exception {
    assertEquals(List.of("alpha succeeded"), attemptsOfNextConnect());

    fixtures.override("beta", Map.of("priority", 120));
    Fixtures.awaitStrategies(negotiator, "beta", "alpha");

    assertEquals(List.of("beta succeeded"), attemptsOfNextConnect());
  }

  @Test
  public void aDisabledStrategyTakesNoPartInTheNextConnect() throws Exception {
    fixtures.override("alpha", Map.of("enabled", false));
    Await.until("alpha is disabled", () -> negotiator.strategies().stream()
        .anyMatch(s -> s.name().equals("alpha") && !s.enabled()));

    assertEquals(List.of("beta succeeded"), attemptsOfNextConnect());

    fixtures.override("alpha", Map.of("enabled", true));
    Await.until("alpha is enabled", () -> negotiator.strategies().stream()
        .anyMatch(s -> s.name().equals("alpha") && s.enabled()));
    assertEquals(List.of("alpha succeeded"), attemptsOfNextConnect());
  }

  @Test
  public void aTimeoutOverrideStaggersTheNextStrategySooner() throws Exception {
    fixtures.strategy("alpha", 100, 60_000, "hang", "DIRECT");
    Await.until("alpha hangs for a minute", () -> negotiator.strategies().stream()
        .anyMatch(s -> s.name().equals("alpha") && s.timeout().toMillis() == 60_000));
    settings.setTimeout("alpha", Duration.ofMillis(100));

    PeerConnection c = negotiator.connect(Fixtures.PEER).get(10, TimeUnit.SECONDS);

    assertEquals("beta", c.path().strategy());
    assertEquals(List.of("alpha timed-out", "beta succeeded"), DynamicStrategiesIT.summary(c.attempts()));
    assertEquals(100, c.attempts().get(0).timeout().toMillis());
  }

  @Test
  public void settingsApplyBeforeTheyReturnAndAreKeptInConfigAdmin() throws Exception {
    settings.setPriority("beta", 150);
    settings.setEnabled("alpha", false);

    assertEquals(List.of("beta succeeded"), attemptsOfNextConnect());
    var saved = cm.getFactoryConfiguration("io.macula.nat.strategy", "beta", "?").getProperties();
    assertEquals(150, saved.get("priority"));
    assertFalse((Boolean) cm.getFactoryConfiguration("io.macula.nat.strategy", "alpha", "?")
        .getProperties().get("enabled"));
  }

  @Test(expected = IllegalArgumentException.class)
  public void anUnknownStrategyIsRefused() {
    settings.setPriority("gamma", 1);
  }

  @Test
  public void aBadOverrideIsIgnoredAndTheDefaultsStay() throws Exception {
    fixtures.override("beta", Map.of("priority", "very high"));
    fixtures.override("alpha", Map.of("priority", 10));

    Fixtures.awaitStrategies(negotiator, "beta", "alpha");
    assertEquals(50, negotiator.strategies().get(0).priority());
    assertEquals(List.of("beta succeeded"), attemptsOfNextConnect());
  }

  private List<String> attemptsOfNextConnect() throws Exception {
    return DynamicStrategiesIT.summary(
        negotiator.connect(Fixtures.PEER).get(10, TimeUnit.SECONDS).attempts());
  }
}
