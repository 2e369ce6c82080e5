package io.macula.nat.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

class AccessGuardTest {
  private final Map<String, Object> sent = new HashMap<>();

  @Test
  void loopbackIsServedWithoutAToken() throws Exception {
    assertTrue(AccessGuard.admit(request("127.0.0.1", null), response(), ""));
    assertTrue(AccessGuard.admit(request("::1", null), response(), "secret"));
  }

  @Test
  void anotherAddressIsRefusedWhileNoTokenIsConfigured() throws Exception {
    assertFalse(AccessGuard.admit(request("192.0.2.7", "Bearer anything"), response(), ""));
    assertEquals(403, sent.get("status"));
  }

  @Test
  void anotherAddressIsServedWithTheTokenOnly() throws Exception {
    assertFalse(AccessGuard.admit(request("192.0.2.7", "Bearer wrong"), response(), "secret"));
    assertEquals(401, sent.get("status"));
    assertEquals("Bearer realm=\"macula\"", sent.get("WWW-Authenticate"));
    assertTrue(AccessGuard.admit(request("192.0.2.7", "Bearer secret"), response(), "secret"));
  }

  private static HttpServletRequest request(String remote, String authorization) {
    return (HttpServletRequest) Proxy.newProxyInstance(AccessGuardTest.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> switch (m.getName()) {
          case "getRemoteAddr" -> remote;
          case "getHeader" -> "Authorization".equals(a[0]) ? authorization : null;
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  private HttpServletResponse response() {
    return (HttpServletResponse) Proxy.newProxyInstance(AccessGuardTest.class.getClassLoader(),
        new Class<?>[] {HttpServletResponse.class}, (p, m, a) -> {
          switch (m.getName()) {
            case "sendError" -> sent.put("status", a[0]);
            case "setHeader" -> sent.put((String) a[0], a[1]);
            default -> throw new UnsupportedOperationException(m.getName());
          }
          return null;
        });
  }
}
