/** The hub as operators and shell commands see it: registered nodes and relay flows. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package io.macula.nat.hub.api;
