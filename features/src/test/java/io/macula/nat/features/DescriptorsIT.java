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
      assertTrue(
          bundles.stream().anyMatch(b -> b.startsWith("mvn:io.macula.nat/" + bsn + "/")),
          bsn + " is missing from features.xml: " + bundles);
    }
    assertFalse(bundles.stream().anyMatch(b -> b.contains("${")), "unfiltered: " + bundles);
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
