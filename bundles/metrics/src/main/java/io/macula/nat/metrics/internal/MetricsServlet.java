package io.macula.nat.metrics.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import javax.servlet.Servlet;
import javax.servlet.http.HttpServlet;
import javax.servlet.http.HttpServletRequest;
import javax.servlet.http.HttpServletResponse;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletName;
import org.osgi.service.http.whiteboard.propertytypes.HttpWhiteboardServletPattern;

/**
 * {@code GET /metrics}: the node's metrics in the Prometheus text format, or OpenMetrics when the
 * scraper asks for it, through whatever HTTP whiteboard the framework runs.
 */
@Component(service = Servlet.class, configurationPid = MetricsConfig.PID)
@HttpWhiteboardServletPattern("/metrics")
@HttpWhiteboardServletName("macula-metrics")
public final class MetricsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private final transient NatMeters meters;
  private transient volatile MetricsConfig config;

  @Activate
  public MetricsServlet(@Reference NatMeters meters, MetricsConfig config) {
    this.meters = meters;
    this.config = config;
  }

  @Modified
  void modified(MetricsConfig config) {
    this.config = config;
  }

  @Override
  protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
    if (!AccessGuard.admit(request, response, config._access__token())) {
      return;
    }
    String accept = request.getHeader("Accept");
    String type = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : PROMETHEUS_TEXT;
    byte[] body = meters.scrape(type).getBytes(StandardCharsets.UTF_8);
    response.setContentType(type);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
