package io.macula.nat.strategy.hubrelay;

/**
 * Whether a connection's path stopped passing traffic: nothing arrived over it for a while,
 * although this side went on sending well after the last arrival. (A side that only receives
 * sends nothing when nothing comes, and is not moved: it moves once it sends again.) Sampled by
 * one thread.
 */
final class PathSilence {
  private final long silenceNanos;
  private Object path;
  private long packets;
  private long sent;
  private long lastArrivalNanos;
  private long lastSendNanos;

  PathSilence(long silenceNanos, Object path, long packets, long sent, long nowNanos) {
    this.silenceNanos = silenceNanos;
    reset(path, packets, sent, nowNanos);
  }

  private void reset(Object path, long packets, long sent, long nowNanos) {
    this.path = path;
    this.packets = packets;
    this.sent = sent;
    this.lastArrivalNanos = nowNanos;
    this.lastSendNanos = nowNanos;
  }

  /**
   * Takes a sample: the path now, packets that arrived over it, bytes sent. True when the path is
   * silent; a new path starts the watch again.
   */
  boolean silent(Object path, long packets, long sent, long nowNanos) {
    if (!path.equals(this.path)) {
      reset(path, packets, sent, nowNanos);
      return false;
    }
    if (packets != this.packets) {
      this.packets = packets;
      lastArrivalNanos = nowNanos;
    }
    if (sent != this.sent) {
      this.sent = sent;
      lastSendNanos = nowNanos;
    }
    return nowNanos - lastArrivalNanos > silenceNanos && lastSendNanos - lastArrivalNanos > silenceNanos / 2;
  }

  /** How long nothing arrived over the path, at the last sample. */
  long silentForNanos(long nowNanos) {
    return nowNanos - lastArrivalNanos;
  }
}
