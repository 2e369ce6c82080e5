package io.macula.nat.diagnostics.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.peer.api.StreamService;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.osgi.service.component.annotations.Component;

/** The far end of a ping: writes back every 8-byte probe as it arrives. */
@Component(property = StreamService.NAME + "=" + EchoService.NAME)
public final class EchoService implements StreamService {
  static final String NAME = "echo";

  @Override
  public void serve(NodeId peer, PeerStream stream) throws IOException {
    try (stream) {
      InputStream in = stream.input();
      OutputStream out = stream.output();
      byte[] probe = new byte[8];
      while (in.readNBytes(probe, 0, 8) == 8) {
        out.write(probe);
        out.flush();
      }
      out.close();
    }
  }
}
