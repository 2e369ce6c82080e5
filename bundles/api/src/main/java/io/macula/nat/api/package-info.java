/**
 * The traversal API: strategies that find a path to a peer, the negotiator that composes them, the
 * connections and paths they yield, node identities and the events of every attempt.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.8.0")
package io.macula.nat.api;
