package io.macula.nat.hub.protocol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads hub messages from a stream's bytes as they arrive, in whatever pieces: for a reader that
 * is handed bytes rather than waiting on an input stream. It holds at most one frame.
 */
public final class HubFrames {
  private final byte[] header = new byte[4];
  private int headerRead;
  private byte[] frame;
  private int frameRead;

  /**
   * The messages {@code data} completes, in order; what it leaves of a frame waits for the next
   * bytes.
   *
   * @throws HubProtocolException at the first malformed frame: the stream cannot go on after it
   */
  public List<HubMessage> read(ByteBuffer data) throws HubProtocolException {
    List<HubMessage> messages = new ArrayList<>(1);
    while (data.hasRemaining()) {
      if (frame == null) {
        int n = Math.min(header.length - headerRead, data.remaining());
        data.get(header, headerRead, n);
        headerRead += n;
        if (headerRead < header.length) {
          break;
        }
        frame = new byte[HubCodec.frameLength(header)];
        frameRead = 0;
      }
      int n = Math.min(frame.length - frameRead, data.remaining());
      data.get(frame, frameRead, n);
      frameRead += n;
      if (frameRead == frame.length) {
        byte[] complete = frame;
        frame = null;
        headerRead = 0;
        messages.add(HubCodec.decode(complete));
      }
    }
    return messages;
  }

  /** Whether a frame was begun and not finished: a stream that ends now ends mid-message. */
  public boolean midFrame() {
    return headerRead > 0;
  }
}
