/**
 * The endpoint of a node: its one UDP socket, its identity, and QUIC connections to peers over
 * paths (direct or relayed) that can change beneath a live connection.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.10.0")
package io.macula.nat.transport.api;
