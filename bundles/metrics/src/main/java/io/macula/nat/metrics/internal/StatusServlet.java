package io.macula.nat.metrics.internal;

import io.macula.nat.transport.api.Endpoint;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * {@code GET /status}: the node (or hub) at a glance, read-only, rendered on the server with no
 * script, and read again every few seconds by the page itself.
 */
@Component(service = Servlet.class, configurationPid = MetricsConfig.PID)
@HttpWhiteboardServletPattern("/status")
@HttpWhiteboardServletName("macula-status")
public final class StatusServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final int REFRESH_SECONDS = 5;
  private static final String STYLE = "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}"
      + "h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em;border-bottom:1px solid #ddd}"
      + "table{border-collapse:collapse}th,td{padding:2px 10px;text-align:left;border-bottom:1px solid #eee}"
      + "th{background:#f4f4f4}.none{color:#888}figure{display:inline-block;margin:0 1.5em 1em 0}"
      + "figcaption{font-size:.9em}rect{fill:#4a7bd0}text{font-size:10px;text-anchor:middle}";

  private final transient Endpoint endpoint;
  private final transient Logger log;
  private final transient List<StatusSection> sections = new CopyOnWriteArrayList<>();
  private transient volatile MetricsConfig config;

  @Activate
  public StatusServlet(@Reference Endpoint endpoint, @Reference(service = LoggerFactory.class) Logger log,
      MetricsConfig config) {
    this.endpoint = endpoint;
    this.log = log;
    this.config = config;
  }

  @Modified
  void modified(MetricsConfig config) {
    this.config = config;
  }

  @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
  void addSection(StatusSection section) {
    sections.add(section);
  }

  void removeSection(StatusSection section) {
    sections.remove(section);
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (!AccessGuard.admit(request, response, config._access__token())) {
      return;
    }
    byte[] body = page().getBytes(StandardCharsets.UTF_8);
    response.setContentType("text/html; charset=utf-8");
    response.setHeader("Cache-Control", "no-store");
    response.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }

  String page() {
    Html out = new Html();
    String id = endpoint.localId().toString();
    out.raw("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta http-equiv=\"refresh\" content=\"" + REFRESH_SECONDS + "\">")
        .raw("<link rel=\"icon\" href=\"data:,\">") // no request for /favicon.ico, and no 404 for it
        .raw("<title>").text("Macula NAT " + endpoint.localId().shortForm()).raw("</title>")
        .raw("<style>" + STYLE + "</style></head><body>\n")
        .raw("<h1>Macula NAT node <span id=\"node-id\">").text(id).raw("</span></h1>\n")
        .raw("<p>up ").text(uptime()).raw(", read again every ").text(REFRESH_SECONDS).raw(" s</p>\n");
    sections.stream().sorted(Comparator.comparingInt(StatusSection::rank)).forEach(s -> {
      try {
        Html part = new Html(); // a section that fails leaves no half-written table behind
        s.render(part);
        out.raw(part.toString());
      } catch (RuntimeException e) {
        log.warn("the status page's {} failed", s.getClass().getSimpleName(), e);
        out.none(s.getClass().getSimpleName() + " could not be shown: " + e.getMessage());
      }
    });
    return out.raw("</body></html>\n").toString();
  }

  private static String uptime() {
    Duration up = Duration.ofMillis(ManagementFactory.getRuntimeMXBean().getUptime());
    return String.format("%dh %02dm %02ds", up.toHours(), up.toMinutesPart(), up.toSecondsPart());
  }
}
