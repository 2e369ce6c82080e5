package io.macula.nat.stun.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load of STUN Binding requests against one server: a window of requests in
 * flight on one socket, each with its own transaction id; a request unanswered for a while counts
 * as lost and its slot is given back.
 */
final class BindingLoad {
  /** What one run gave. */
  record Result(long sent, long answered, double seconds) {
    long lost() {
      return sent - answered;
    }

    double perSecond() {
      return answered / seconds;
    }
  }

  private static final int WINDOW = 64;
  private static final long STALL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  private BindingLoad() {}

  static Result run(InetSocketAddress server, double seconds) throws IOException, InterruptedException {
    try (DatagramChannel ch = DatagramChannel.open()) {
      ch.bind(new InetSocketAddress("127.0.0.1", 0));
      // Not connected: an ICMP port-unreachable (a server not up yet) must not end the run.
      AtomicLong answered = new AtomicLong();
      AtomicLong lastAnswer = new AtomicLong(System.nanoTime());
      AtomicBoolean running = new AtomicBoolean(true);
      Thread receiver = new Thread(() -> {
        ByteBuffer in = ByteBuffer.allocateDirect(2048);
        while (running.get()) {
          in.clear();
          try {
            ch.receive(in);
          } catch (IOException e) {
            return; // closed at the end of the run
          }
          // A Binding success response (0x0101) with the magic cookie.
          if (in.position() >= 20 && in.getShort(0) == 0x0101 && in.getInt(4) == 0x2112A442) {
            answered.incrementAndGet();
            lastAnswer.set(System.nanoTime());
          }
        }
      }, "stun-load-receiver");
      receiver.setDaemon(true);
      receiver.start();

      ByteBuffer request = ByteBuffer.allocateDirect(20);
      request.putShort(0, (short) 0x0001).putShort(2, (short) 0).putInt(4, 0x2112A442);
      long sent = 0;
      long givenUp = 0;
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      while (System.nanoTime() < end) {
        long outstanding = sent - answered.get() - givenUp;
        if (outstanding < WINDOW) {
          request.putLong(8, sent).putInt(16, 0x4D4E4154);
          request.clear();
          ch.send(request, server);
          sent++;
        } else if (System.nanoTime() - lastAnswer.get() > STALL_NANOS) {
          givenUp += outstanding; // lost, most likely: stop waiting for them
          lastAnswer.set(System.nanoTime());
        } else {
          Thread.onSpinWait();
        }
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      // Late answers still count: wait until they stop coming.
      long before;
      do {
        before = answered.get();
        Thread.sleep(100);
      } while (answered.get() != before);
      running.set(false);
      ch.close();
      receiver.join(1000);
      return new Result(sent, Math.min(answered.get(), sent), elapsed);
    }
  }
}
