package io.macula.nat.diagnostics.internal;

import io.macula.nat.api.NodeId;
import io.macula.nat.api.PeerStream;
import io.macula.nat.diagnostics.api.PeerDiagnostics.Transfer;
import io.macula.nat.peer.api.StreamService;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import org.osgi.service.component.annotations.Component;

/**
 * The receiving end of a transfer: reads a stream to its end, answers with the byte count and
 * SHA-256 of what arrived, and keeps a record of it.
 */
@Component(service = {StreamService.class, TransferSink.class}, property = StreamService.NAME + "=" + TransferSink.NAME)
public final class TransferSink implements StreamService {
  static final String NAME = "sink";
  private static final int KEPT = 100;

  /** Guarded by this; newest first. */
  private final Deque<Transfer> received = new ArrayDeque<>();

  @Override
  public void serve(NodeId peer, PeerStream stream) throws IOException {
    try (stream) {
      MessageDigest sha = sha256();
      long start = System.nanoTime();
      long bytes = 0;
      byte[] buf = new byte[64 << 10];
      InputStream in = stream.input();
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
        bytes += n;
      }
      String digest = HexFormat.of().formatHex(sha.digest());
      DataOutputStream out = new DataOutputStream(stream.output());
      out.writeLong(bytes);
      out.writeUTF(digest);
      out.close();
      synchronized (this) {
        received.addFirst(new Transfer(peer, Instant.now(), bytes, digest, Duration.ofNanos(System.nanoTime() - start), ""));
        if (received.size() > KEPT) {
          received.removeLast();
        }
      }
    }
  }

  synchronized List<Transfer> received() {
    return List.copyOf(received);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
