package io.macula.nat.peer.api;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard: serves the streams peers open to one named service. Register it with the service
 * property {@value #NAME}. A stream names its service in its first bytes: one length byte, then
 * the name in UTF-8.
 */
@ConsumerType
public interface StreamService {
  String NAME = "macula.stream.service";

  /** Serves one stream, on a thread of its own; the service closes the stream. */
  void serve(NodeId peer, PeerStream stream) throws IOException;

  /** Writes the header that opens a stream to service {@code name}. */
  static void open(PeerStream stream, String name) throws IOException {
    byte[] n = name.getBytes(StandardCharsets.UTF_8);
    if (n.length == 0 || n.length > 255) {
      throw new IllegalArgumentException("a service name has 1 to 255 bytes");
    }
    OutputStream out = stream.output();
    out.write(n.length);
    out.write(n);
  }
}
