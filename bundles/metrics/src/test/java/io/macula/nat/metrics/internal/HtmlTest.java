package io.macula.nat.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlTest {
  @Test
  void everyValueIsEscaped() {
    String html = new Html().table("t", List.of("<h>"), List.of(List.of("<script>alert('x')</script>&\""))).toString();
    assertTrue(html.contains("<th>&lt;h&gt;</th>"), html);
    assertTrue(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"), html);
  }

  @Test
  void aMissingCellIsADash() {
    String html = new Html().table("t", List.of("A", "B"), List.of(Arrays.asList("x", null))).toString();
    assertTrue(html.contains("<td>x</td><td>-</td>"), html);
  }

  @Test
  void barsAreAsTallAsTheirShareOfTheLargestCount() {
    String html = new Html().bars("c", List.of("a", "b"), new long[] {30, 60}).toString();
    assertTrue(html.contains("height=\"30\""), html);
    assertTrue(html.contains("height=\"60\""), html);
    assertEquals(2, html.split("<rect ").length - 1);
  }
}
