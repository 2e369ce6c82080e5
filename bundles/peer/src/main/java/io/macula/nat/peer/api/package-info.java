/** A node's session with its hub, as commands use it; and stream services. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.3.0")
package io.macula.nat.peer.api;
