/**
 * How a bundle offers operator commands: one component property type that both Felix's Gogo shell and
 * Karaf's shell are fed from, each with help and, in Karaf, completion.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.macula.nat.api.command;
