package io.macula.nat.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.ComponentServiceObjects;

/** A command asks for its service when it runs: while the service starts it says so, then it works. */
class LazyTest {
  /** SCR's answers in turn: null while the service's component is still activating (lock timeout). */
  private static final class Answers implements ComponentServiceObjects<String> {
    final Deque<String> answers = new LinkedList<>(); // holds nulls
    final List<String> released = new ArrayList<>();

    @Override
    public String getService() {
      return answers.poll();
    }

    @Override
    public void ungetService(String service) {
      released.add(service);
    }

    @Override
    public ServiceReference<String> getServiceReference() {
      return null;
    }
  }

  @Test
  void aServiceStillStartingIsSaidSoAndTheNextRunGetsIt() {
    Answers scr = new Answers();
    scr.answers.add(null);
    scr.answers.add("endpoint");
    Lazy<String> endpoint = new Lazy<>(scr, "the endpoint");

    IllegalStateException e = assertThrows(IllegalStateException.class, endpoint::get);
    assertEquals("the endpoint is still starting: try again", e.getMessage());
    assertEquals("endpoint", endpoint.get());
    assertSame(endpoint.get(), endpoint.get(), "got once, kept");

    endpoint.release();
    assertEquals(List.of("endpoint"), scr.released);
  }
}
