package io.macula.nat.peer.internal;

import io.macula.nat.api.PeerStream;
import io.macula.nat.peer.api.StreamService;
import io.macula.nat.transport.api.ConnectionAcceptor;
import io.macula.nat.transport.api.Endpoint;
import io.macula.nat.transport.api.QuicConnection;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * Takes the node's peer-to-peer connections, both ways, and hands each stream a peer opens to the
 * stream service its header names. A stream to a service nobody serves is closed.
 */
@Component(property = ConnectionAcceptor.PROTOCOL + "=" + Endpoint.PEER_PROTOCOL)
public final class StreamDispatcher implements ConnectionAcceptor {
  private final Map<String, StreamService> services = new ConcurrentHashMap<>();
  private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "nat-stream-service");
    t.setDaemon(true);
    return t;
  });

  @Deactivate
  void deactivate() {
    workers.shutdownNow();
  }

  @Reference(
      cardinality = ReferenceCardinality.MULTIPLE,
      policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  void addService(StreamService s, Map<String, Object> props) {
    if (props.get(StreamService.NAME) instanceof String name) {
      services.put(name, s);
    }
  }

  void removeService(StreamService s) {
    services.values().remove(s);
  }

  @Override
  public void accepted(QuicConnection connection) {
    connection.onStream(stream -> workers.execute(() -> dispatch(connection, stream)));
  }

  private void dispatch(QuicConnection connection, PeerStream stream) {
    try {
      InputStream in = stream.input();
      int length = in.read();
      if (length <= 0) {
        stream.close();
        return;
      }
      byte[] name = in.readNBytes(length);
      StreamService service = services.get(new String(name, StandardCharsets.UTF_8));
      if (service == null || name.length != length) {
        stream.close();
        return;
      }
      service.serve(connection.peer(), stream);
    } catch (IOException | RuntimeException e) {
      stream.close();
    }
  }
}
