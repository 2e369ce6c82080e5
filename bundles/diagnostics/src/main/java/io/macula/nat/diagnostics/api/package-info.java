/**
 * What an operator asks of a node about its peers: round trips, transfers checked by SHA-256, the
 * signals and transfers other nodes sent, and a move of a live connection onto another path.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.macula.nat.diagnostics.api;
