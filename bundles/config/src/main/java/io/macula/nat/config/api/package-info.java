/**
 * Checks a bundle adds to the configuration guard, for what Metatype cannot say (an address that
 * must resolve, a file that must exist).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.macula.nat.config.api;
