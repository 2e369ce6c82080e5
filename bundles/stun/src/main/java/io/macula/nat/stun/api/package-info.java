/**
 * STUN messages (RFC 8489, and RFC 5389 peers): the header, the attributes of RFC 8489, RFC 5780,
 * ICE (RFC 8445) and TURN (RFC 8656), MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT, and a codec whose
 * only failure on malformed input is a {@link io.macula.nat.stun.api.StunParseException}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.4.0")
package io.macula.nat.stun.api;
