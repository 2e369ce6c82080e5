package io.macula.nat.metrics.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * The metrics' settings (PID {@code io.macula.nat.metrics}); where they are served is the HTTP
 * service's. A double underscore in a method name gives an underscore in the key.
 */
@ObjectClassDefinition(name = "Macula NAT metrics",
    description = "What the node's metrics measure and price. The /metrics address is the HTTP service's"
        + " (org.apache.felix.http in the runnable node).")
public @interface MetricsConfig {
  String PID = "io.macula.nat.metrics";

  @AttributeDefinition(name = "Relay price per GB", min = "0",
      description = "What relaying one GB (10^9 bytes) costs, to turn relayed bytes into a cost; 0 for no cost")
  double relay__cost__per__gb() default 0.0;

  @AttributeDefinition(name = "Currency", description = "The unit of the relay price, a label on the cost")
  String relay__cost__currency() default "USD";

  @AttributeDefinition(name = "Round-trip sample interval (s)", min = "1", max = "3600",
      description = "How often each peer connection's round trip is sampled into the histogram, 1 to 3600")
  int rtt__sample__seconds() default 5;

  @AttributeDefinition(name = "Access token",
      description = "A request from beyond loopback reads /metrics and /status only with this token"
          + " (Authorization: Bearer TOKEN); without one, such requests are refused", required = false)
  // The key is .access_token: a key that starts with a dot is private, kept off the properties of
  // the services the components that read this configuration register.
  String _access__token() default "";
}
