package io.macula.nat.features;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/** The deployment descriptors list every bundle under bundles/, so none can be forgotten. */
class DescriptorsIT {
  private static final String PREFIX = "io.macula.nat.";
  /** The admin socket runs one command per connection for the runnable node; Karaf has its own client. */
  private static final String NOT_IN_KARAF = PREFIX + "admin";

  @Test
  void theIndexListsEveryProjectBundleAndItsRuntime() throws Exception {
    Set<String> identities = identities(parse(System.getProperty("index.file")));

    for (String bsn : projectBundles()) {
      assertTrue(identities.contains(bsn), bsn + " is missing from the index: " + identities);
    }
    for (String runtime : List.of("org.apache.felix.scr", "org.apache.felix.configadmin", "org.apache.felix.gogo.runtime")) {
      assertTrue(identities.contains(runtime), runtime + " is missing from the index");
    }
  }

  @Test
  void theKarafFeaturesNameEveryProjectBundle() throws Exception {
    Document features = parse(System.getProperty("features.file"));
    List<String> bundles = new ArrayList<>();
    NodeList nodes = features.getElementsByTagName("bundle");
    for (int i = 0; i < nodes.getLength(); i++) {
      bundles.add(nodes.item(i).getTextContent().strip());
    }
    for (String bsn : projectBundles()) {
      boolean listed = bundles.stream().anyMatch(b -> b.startsWith("mvn:io.macula.nat/" + bsn + "/"));
      if (NOT_IN_KARAF.equals(bsn)) {
        assertFalse(listed, bsn + " is not offered in Karaf");
      } else {
        assertTrue(listed, bsn + " is missing from features.xml: " + bundles);
      }
    }
    assertFalse(bundles.stream().anyMatch(b -> b.contains("${")), "unfiltered: " + bundles);
  }

  @Test
  void everyStrategyHasAFeatureOfItsOwn() throws Exception {
    NodeList features = parse(System.getProperty("features.file")).getElementsByTagName("feature");
    for (String bsn : projectBundles()) {
      if (!bsn.startsWith(PREFIX + "strategy.")) {
        continue;
      }
      String name = "macula-nat-strategy-" + bsn.substring((PREFIX + "strategy.").length());
      boolean found = false;
      for (int i = 0; i < features.getLength(); i++) {
        Element f = (Element) features.item(i);
        if (name.equals(f.getAttribute("name"))) {
          NodeList bundles = f.getElementsByTagName("bundle");
          found = bundles.getLength() == 1 && bundles.item(0).getTextContent().contains("/" + bsn + "/");
        }
      }
      assertTrue(found, "no feature " + name + " with " + bsn + " as its one bundle");
    }
  }

  @Test
  void theIndexIsUsableOfflineAndRelocatable() throws Exception {
    Document index = parse(System.getProperty("index.file"));
    Path folder = Path.of(System.getProperty("index.file")).getParent();
    List<String> urls = attributeValues(index, "osgi.content", "url");
    assertEquals(identities(index).size(), urls.size(), "one content URL per resource: " + urls);
    for (String url : urls) {
      // Relative to the index: no file: path of the build machine, no synthetic urn: entry, no download.
      assertFalse(url.contains(":"), "not a relative URL: " + url);
      assertTrue(Files.isRegularFile(folder.resolve(url)), url + " is not beside the index");
    }
    for (String compileOnly : List.of("osgi.core", "osgi.annotation", "osgi.cmpn", "org.osgi.annotation.versioning",
        "org.osgi.annotation.bundle", "org.osgi.service.component.annotations", "org.osgi.service.metatype.annotations")) {
      assertFalse(identities(index).contains(compileOnly), compileOnly + " is only for compiling: not in the index");
    }
  }

  @Test
  void aNodeResolvesFromTheIndexAlone() throws Exception {
    List<String> bundles = runBundles(Path.of(System.getProperty("resolved.bndrun")));
    // Asked for: the strategies, the shell and a console. Found by the resolver: all of these.
    for (String needed : List.of("io.macula.nat.negotiator", "io.macula.nat.transport", "io.macula.nat.peer",
        "io.macula.nat.stun", "io.macula.nat.ice", "io.macula.nat.config", "io.netty.codec-native-quic.linux-x86_64",
        "org.apache.felix.scr", "org.apache.felix.configadmin", "org.apache.felix.metatype",
        "org.apache.felix.gogo.runtime", "org.apache.felix.log")) {
      assertTrue(bundles.contains(needed), needed + " is missing from the resolution: " + bundles);
    }
  }

  /** The symbolic names of a resolved bndrun's -runbundles. */
  private static List<String> runBundles(Path bndrun) throws IOException {
    List<String> names = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(bndrun)) {
      if (line.startsWith("-runbundles:")) {
        in = true;
        line = line.substring("-runbundles:".length());
      } else if (!in) {
        continue;
      }
      String entry = line.replace("\\", "").strip();
      if (!entry.isEmpty()) {
        names.add(entry.split(";")[0].strip());
      }
      if (!line.stripTrailing().endsWith("\\")) {
        in = false;
      }
    }
    assertFalse(names.isEmpty(), bndrun + " was not resolved: no -runbundles");
    return names;
  }

  private static List<String> attributeValues(Document index, String namespace, String name) {
    List<String> values = new ArrayList<>();
    NodeList caps = index.getElementsByTagName("capability");
    for (int i = 0; i < caps.getLength(); i++) {
      Element cap = (Element) caps.item(i);
      if (!namespace.equals(cap.getAttribute("namespace"))) {
        continue;
      }
      NodeList attrs = cap.getElementsByTagName("attribute");
      for (int j = 0; j < attrs.getLength(); j++) {
        Element a = (Element) attrs.item(j);
        if (name.equals(a.getAttribute("name"))) {
          values.add(a.getAttribute("value"));
        }
      }
    }
    return values;
  }

  /** One bundle per folder under bundles/, named io.macula.nat.FOLDER. */
  private static Set<String> projectBundles() throws IOException {
    Set<String> bsns = new TreeSet<>();
    try (Stream<Path> dirs = Files.list(Path.of(System.getProperty("bundles.dir")))) {
      dirs.filter(d -> Files.isRegularFile(d.resolve("pom.xml")))
          .forEach(d -> bsns.add(PREFIX + d.getFileName()));
    }
    assertFalse(bsns.isEmpty());
    return bsns;
  }

  private static Set<String> identities(Document index) {
    Set<String> ids = new TreeSet<>();
    NodeList caps = index.getElementsByTagName("capability");
    for (int i = 0; i < caps.getLength(); i++) {
      Element cap = (Element) caps.item(i);
      if (!"osgi.identity".equals(cap.getAttribute("namespace"))) {
        continue;
      }
      NodeList attrs = cap.getElementsByTagName("attribute");
      for (int j = 0; j < attrs.getLength(); j++) {
        Element a = (Element) attrs.item(j);
        if ("osgi.identity".equals(a.getAttribute("name"))) {
          ids.add(a.getAttribute("value"));
        }
      }
    }
    assertEquals(false, ids.isEmpty(), "the index has no resources");
    return ids;
  }

  private static Document parse(String file) throws Exception {
    DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
    f.setNamespaceAware(true);
    return f.newDocumentBuilder().parse(new File(file));
  }
}
