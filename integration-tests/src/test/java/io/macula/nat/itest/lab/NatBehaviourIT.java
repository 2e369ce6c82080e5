package io.macula.nat.itest.lab;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.Assume;
import org.junit.Test;

/** Each lab NAT behaves as labelled, seen from outside with plain UDP; and the lab leaves nothing. */
public class NatBehaviourIT {
  /** Runs the lab, or skips it saying why; under CI (CI=true) it must run. */
  static void requireLab() {
    String why = Lab.unavailable();
    if (why != null && "true".equalsIgnoreCase(System.getenv("CI"))) {
      throw new AssertionError("CI must run the NAT lab, but: " + why);
    }
    if (why != null) {
      System.err.println("SKIPPED: the NAT lab does not run here: " + why);
    }
    Assume.assumeTrue(why, why == null);
  }

  @Test
  public void everyNatBehavesAsLabelledAndTheLabLeavesNothingBehind() throws Exception {
    requireLab();
    List<String> mislabelled = new ArrayList<>();
    try (Lab lab = new Lab()) {
      Lab.Host observer = lab.publicHost("obs", Lab.OBSERVER_IPS);
      Lab.Host open = lab.publicHost("open", "198.51.100.200");
      assertEquals(NatType.NONE, NatCheck.observe(open, observer).behaviour());
      for (NatType type : NatType.values()) {
        if (type == NatType.NONE) {
          continue;
        }
        Lab.Router r = lab.router(type.label, type, 1, false);
        NatCheck.Seen seen = NatCheck.observe(r.lan().get(0), observer);
        System.out.printf("%-22s mapping %s; filtering %s%n", type.label, seen.mapping(), seen.filtering());
        if (seen.behaviour() != type) {
          mislabelled.add(type.label + " behaves as " + seen.behaviour() + ": " + seen);
        }
      }
      assertTrue("lab NATs that do not behave as labelled: " + mislabelled, mislabelled.isEmpty());
    }
    assertEquals("namespaces left behind", List.of(), Lab.ownNamespaces());
  }
}
