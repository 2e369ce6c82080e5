/** A node's session with its hub, as strategies and commands use it; and stream services. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.macula.nat.peer.api;
