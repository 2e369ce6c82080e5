package io.macula.nat.itest;

import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.composite;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;

import java.io.File;
import org.ops4j.pax.exam.Option;

/** The framework every Pax Exam test boots: Felix with SCR, ConfigAdmin, Metatype, Log, Gogo. */
final class TestRuntime {
  static final String BUNDLES_DIR = System.getProperty("osgi.bundles.dir", "target/osgi-bundles");

  /** The project's own bundles, each started by the base runtime. */
  static final String[] PROJECT_BUNDLES = {
    "io.macula.nat.api", "io.macula.nat.config", "io.macula.nat.negotiator", "io.macula.nat.shell",
    "io.macula.nat.transport", "io.macula.nat.hub.protocol", "io.macula.nat.hub", "io.macula.nat.peer",
    "io.macula.nat.stun", "io.macula.nat.turn", "io.macula.nat.ice", "io.macula.nat.diagnostics",
    "io.macula.nat.metrics", "io.macula.nat.lib.hdrhistogram", "io.macula.nat.lib.zookeeper",
  };

  /** Strategy bundles: left out of the base runtime, whose tests choose their strategies. */
  static final String[] STRATEGY_BUNDLES = {
    "io.macula.nat.strategy.direct", "io.macula.nat.strategy.hubrelay", "io.macula.nat.strategy.holepunch",
    "io.macula.nat.strategy.turn", "io.macula.nat.strategy.peerrelay",
  };

  static final String HUB = "io.macula.nat.hub";
  static final String FIXTURE_STRATEGY = "io.macula.nat.test.strategy";
  static final String ADMIN = "io.macula.nat.admin";

  private TestRuntime() {}

  /**
   * A hub's runtime: a node's, and the hub bundle with its directory's: ZooKeeper and Curator, the
   * metrics their server counts with, and SLF4J with its binding that logs nowhere.
   */
  static Option base() {
    return composite(node(),
        bundle(url("slf4j-api")),
        bundle(url("slf4j-nop")),
        bundle(url("metrics-core")),
        bundle(url("io.macula.nat.lib.zookeeper")),
        bundle(url(HUB)));
  }

  /** A node that is not a hub: every project bundle but the hub's. */
  static Option node() {
    return composite(
        junitBundles(),
        frameworkProperty("org.osgi.framework.storage.clean").value("onFirstInit"),
        // Keep every log entry, so a test can tell whether anything was logged at error level.
        frameworkProperty("org.apache.felix.log.maxSize").value("-1"),
        // ConfigAdmin serves no configuration before the guard checks it, as in the node.
        frameworkProperty("felix.cm.config.plugins").value("io.macula.nat.config"),
        systemProperty("pax.exam.osgi.unresolved.fail").value("true"),
        // The HTTP whiteboard is there for the metrics bundle, listening nowhere, as in the node.
        frameworkProperty("org.apache.felix.http.enable").value("false"),
        bundle(url("org.osgi.util.function")),
        bundle(url("org.osgi.util.promise")),
        bundle(url("org.osgi.service.component")),
        bundle(url("org.apache.felix.log")),
        bundle(url("org.apache.felix.configadmin")),
        bundle(url("org.apache.felix.metatype")),
        bundle(url("org.apache.felix.scr")),
        bundle(url("org.apache.felix.gogo.runtime")),
        bundle(url("org.apache.felix.gogo.command")),
        bundle(url("netty-common")),
        bundle(url("netty-buffer")),
        bundle(url("netty-resolver")),
        bundle(url("netty-transport")),
        bundle(url("netty-codec-base")),
        bundle(url("netty-handler")),
        bundle(url("netty-transport-native-unix-common")),
        bundle(url("netty-transport-classes-epoll")),
        bundle(url("netty-transport-native-epoll-linux-x86_64")).noStart(),
        bundle(url("netty-codec-classes-quic")),
        bundle(url("netty-codec-native-quic-linux-x86_64")).noStart(),
        bundle(url("bcprov-jdk18on")),
        bundle(url("bcutil-jdk18on")),
        bundle(url("bcpkix-jdk18on")),
        bundle(url("io.macula.nat.config")),
        bundle(url("io.macula.nat.api")),
        bundle(url("io.macula.nat.negotiator")),
        bundle(url("io.macula.nat.transport")),
        bundle(url("io.macula.nat.hub.protocol")),
        bundle(url("io.macula.nat.peer")),
        bundle(url("io.macula.nat.stun")),
        bundle(url("io.macula.nat.turn")),
        bundle(url("io.macula.nat.ice")),
        bundle(url("io.macula.nat.diagnostics")),
        bundle(url("io.macula.nat.shell")),
        bundle(url("org.apache.felix.http.servlet-api")),
        bundle(url("org.apache.felix.http.jetty")),
        bundle(url("jspecify")),
        bundle(url("jsr305")),
        bundle(url("micrometer-commons")),
        bundle(url("micrometer-core")),
        bundle(url("prometheus-metrics-config")),
        bundle(url("prometheus-metrics-model")),
        bundle(url("prometheus-metrics-core")),
        bundle(url("prometheus-metrics-tracer-common")),
        bundle(url("prometheus-metrics-exposition-textformats")),
        bundle(url("micrometer-registry-prometheus")),
        bundle(url("io.macula.nat.lib.hdrhistogram")),
        bundle(url("io.macula.nat.metrics")));
  }

  /** The URL of a bundle the build copied for the tests. */
  static String url(String artifactId) {
    File f = new File(BUNDLES_DIR, artifactId + ".jar");
    if (!f.isFile()) {
      throw new IllegalStateException(f + " is missing: run the tests through mvn verify");
    }
    return f.toURI().toString();
  }
}
