/**
 * The protocol between a node and its hub, spoken on one QUIC stream of the node's hub session:
 * registration, the node list, signalling and keep-alive; and between two hubs of a mesh, on a hub
 * link: signals forwarded to the hub a node is homed at.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.6.0")
package io.macula.nat.hub.protocol;
