/**
 * An ICE agent (RFC 8445) on the node's shared socket: candidates, and connectivity checks with a
 * peer that find a direct path through both NATs.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package io.macula.nat.ice.api;
