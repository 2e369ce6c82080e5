/**
 * The protocol between a node and its hub, spoken on one QUIC stream of the node's hub session:
 * registration, the node list, signalling and keep-alive.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.3.0")
package io.macula.nat.hub.protocol;
