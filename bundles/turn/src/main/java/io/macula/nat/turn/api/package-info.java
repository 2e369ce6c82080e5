/**
 * TURN (RFC 8656) as the node's other bundles use it: this node's relayed address on a TURN
 * server, through which peers reach it where nothing else does.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package io.macula.nat.turn.api;
