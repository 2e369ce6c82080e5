package io.macula.nat.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Optional;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A reliable, ordered byte stream to a peer, in both directions. Closing the output ends the
 * stream for the peer's input after everything written has arrived.
 */
@ProviderType
public interface PeerStream extends AutoCloseable {
  InputStream input();

  OutputStream output();

  /**
   * Hands what arrives to {@code receiver} from now on, instead of {@link #input()}: no thread
   * waits on the stream. Call it once, before reading the input. The transport's streams deliver
   * on their own thread; this default reads the input on a thread of its own.
   */
  default void receive(StreamReceiver receiver) {
    Thread reader = new Thread(() -> {
      byte[] buffer = new byte[16 << 10];
      try {
        for (int n; (n = input().read(buffer)) >= 0; ) {
          receiver.received(ByteBuffer.wrap(buffer, 0, n));
        }
        receiver.ended(Optional.empty());
      } catch (IOException e) {
        receiver.ended(Optional.of(e));
      }
    }, "peer-stream-receiver");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Writes {@code data} behind everything written before, without waiting: refused (nothing
   * written) when it would leave more than {@code maxWaiting} bytes waiting for the peer to take
   * them (a peer that does not read), or when the stream is closed. The transport's streams never
   * block here; this default writes to {@link #output()}, which may.
   *
   * @return whether the data was written
   */
  default boolean tryWrite(byte[] data, int maxWaiting) {
    if (data.length > maxWaiting) {
      return false;
    }
    try {
      output().write(data);
      output().flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Closes both directions. */
  @Override
  void close();
}
