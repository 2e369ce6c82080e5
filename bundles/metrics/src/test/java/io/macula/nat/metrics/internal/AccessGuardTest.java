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

  @Test
  void onLoopbackAHostNamedByAnotherNameIsRefused() throws Exception {
    assertFalse(AccessGuard.admit(request("127.0.0.1", null, "rebound.example:9464"), response(), "secret"));
    assertEquals(403, sent.get("status"));
    assertTrue(AccessGuard.admit(request("127.0.0.1", null, "localhost:9464"), response(), ""));
    assertTrue(AccessGuard.admit(request("::1", null, "[::1]:9464"), response(), ""));
  }

  @Test
  void loopbackHostNames() {
    for (String host : new String[] {"127.0.0.1", "127.0.0.1:9464", "localhost", "LOCALHOST:1", "[::1]", "[::1]:9", "::1"}) {
      assertTrue(AccessGuard.isLoopbackHost(host), host);
    }
    for (String host : new String[] {"", "example.com", "127.0.0.1.nip.io", "[::1", "10.0.0.1:9464", "localhost.evil"}) {
      assertFalse(AccessGuard.isLoopbackHost(host), host);
    }
  }

  @Test
  void anEmptyRemoteAddressIsNotLoopback() throws Exception {
    assertFalse(AccessGuard.admit(request("", null), response(), ""));
    assertEquals(403, sent.get("status"));
  }

  private static HttpServletRequest request(String remote, String authorization) {
    return request(remote, authorization, remote.contains(":") ? "[" + remote + "]:9464" : remote + ":9464");
  }

  private static HttpServletRequest request(String remote, String authorization, String host) {
    return (HttpServletRequest) Proxy.newProxyInstance(AccessGuardTest.class.getClassLoader(),
        new Class<?>[] {HttpServletRequest.class}, (p, m, a) -> switch (m.getName()) {
          case "getRemoteAddr" -> remote;
          case "getHeader" -> "Authorization".equals(a[0]) ? authorization : "Host".equals(a[0]) ? host : null;
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
