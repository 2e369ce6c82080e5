package io.macula.nat.itest;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.options;

import io.macula.nat.api.AttemptRecord;
import io.macula.nat.api.ConnectionStrategy;
import io.macula.nat.api.NegotiationFailedException;
import io.macula.nat.api.Negotiator;
import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerConnection;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.inject.Inject;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * A strategy bundle installed while the node runs is used by the next connect; stopped or
 * uninstalled, it is no longer used, and nothing keeps a reference to its services.
 */
@RunWith(PaxExam.class)
public class DynamicStrategiesIT {
  @Inject BundleContext context;
  @Inject ConfigurationAdmin cm;
  @Inject Negotiator negotiator;

  private Fixtures fixtures;

  @Configuration
  public Option[] config() {
    return options(TestRuntime.base());
  }

  @Before
  public void setUp() throws Exception {
    fixtures = new Fixtures(context, cm);
    fixtures.strategy("alpha", 100, 2000, "refuse", "DIRECT");
    fixtures.strategy("beta", 50, 2000, "succeed", "HUB_RELAY");
  }

  @Test
  public void withNoStrategyInstalledAConnectFailsAndSaysWhy() throws Exception {
    assertEquals(List.of(), Fixtures.names(negotiator));
    ExecutionException e = connectFailure();
    assertEquals("no enabled connection strategy is installed", e.getCause().getMessage());
  }

  @Test
  public void aBundleInstalledAtRunTimeIsUsedByTheNextConnect() throws Exception {
    fixtures.installScriptedStrategies();
    Fixtures.awaitStrategies(negotiator, "alpha", "beta");

    PeerConnection c = negotiator.connect(Fixtures.PEER).get(10, TimeUnit.SECONDS);

    assertEquals("beta", c.path().strategy());
    assertEquals(PathKind.HUB_RELAY, c.path().kind());
    assertEquals(List.of("alpha refused", "beta succeeded"), summary(c.attempts()));
    assertEquals("configured to refuse", c.attempts().get(0).reason());
  }

  @Test
  public void aStoppedBundleIsNoLongerUsedAndARestartedOneIsAgain() throws Exception {
    Bundle strategies = fixtures.installScriptedStrategies();
    Fixtures.awaitStrategies(negotiator, "alpha", "beta");
    assertEquals(List.of(negotiatorBundle()), usersOfStrategiesFrom(strategies));

    strategies.stop();
    Fixtures.awaitStrategies(negotiator);
    assertEquals(List.of(), strategyServicesInUseByNegotiator());
    assertEquals("no enabled connection strategy is installed", connectFailure().getCause().getMessage());

    strategies.start();
    Fixtures.awaitStrategies(negotiator, "alpha", "beta");
    assertEquals("beta", negotiator.connect(Fixtures.PEER).get(10, TimeUnit.SECONDS).path().strategy());
  }

  @Test
  public void anUninstalledBundleLeavesNoStaleReference() throws Exception {
    Bundle strategies = fixtures.installScriptedStrategies();
    Fixtures.awaitStrategies(negotiator, "alpha", "beta");
    negotiator.connect(Fixtures.PEER).get(10, TimeUnit.SECONDS);

    strategies.uninstall();

    Fixtures.awaitStrategies(negotiator);
    assertEquals(List.of(), strategyServicesInUseByNegotiator());
    assertEquals(0, context.getServiceReferences(ConnectionStrategy.class, null).size());
    assertTrue(connectFailure().getCause() instanceof NegotiationFailedException);
    // The counters of the departed strategies are kept, for the operator's record.
    assertEquals(1, negotiator.attempts().stream().filter(r -> r.strategy().equals("beta")).count());
  }

  @Test
  public void anAttemptRunningWhenItsBundleStopsIsCancelledAndTheNextStarts() throws Exception {
    fixtures.strategy("alpha", 100, 60_000, "hang", "DIRECT");
    Bundle strategies = fixtures.installScriptedStrategies();
    Await.until(
        "alpha hangs for a minute",
        () -> negotiator.strategies().stream()
            .anyMatch(s -> s.name().equals("alpha") && s.timeout().toMillis() == 60_000));
    var connect = negotiator.connect(Fixtures.PEER);
    Await.until("alpha's attempt started", () -> negotiator.strategies().stream()
        .anyMatch(s -> s.name().equals("alpha") && s.attempts() == 1));

    strategies.stop();

    // Whether beta starts before its own departure is a race; alpha's fate is not.
    Await.until("the connect ended", connect::isDone);
    AttemptRecord alpha = negotiator.attempts().stream()
        .filter(r -> r.strategy().equals("alpha")).findFirst().orElseThrow();
    assertEquals(io.macula.nat.api.AttemptOutcome.CANCELLED, alpha.outcome());
    assertEquals("the strategy was removed", alpha.reason());
  }

  private ExecutionException connectFailure() throws Exception {
    try {
      negotiator.connect(Fixtures.PEER).get(10, TimeUnit.SECONDS);
      throw new AssertionError("the connect succeeded");
    } catch (ExecutionException e) {
      return e;
    }
  }

  private Bundle negotiatorBundle() {
    return FrameworkUtil.getBundle(negotiator.getClass());
  }

  private List<Bundle> usersOfStrategiesFrom(Bundle b) {
    ServiceReference<?>[] refs = b.getRegisteredServices();
    return List.of(refs).stream()
        .filter(r -> List.of((String[]) r.getProperty("objectClass")).contains(ConnectionStrategy.class.getName()))
        .flatMap(r -> r.getUsingBundles() == null ? java.util.stream.Stream.empty() : java.util.stream.Stream.of(r.getUsingBundles()))
        .distinct()
        .toList();
  }

  private List<ServiceReference<?>> strategyServicesInUseByNegotiator() {
    ServiceReference<?>[] inUse = negotiatorBundle().getServicesInUse();
    if (inUse == null) {
      return List.of();
    }
    return List.of(inUse).stream()
        .filter(r -> List.of((String[]) r.getProperty("objectClass")).contains(ConnectionStrategy.class.getName()))
        .toList();
  }

  static List<String> summary(List<AttemptRecord> records) {
    return records.stream().map(r -> r.strategy() + " " + label(r)).toList();
  }

  private static String label(AttemptRecord r) {
    return switch (r.outcome()) {
      case SUCCEEDED -> "succeeded";
      case REFUSED -> "refused";
      default -> r.outcome().label();
    };
  }
}
