package io.macula.nat.turn.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.macula.nat.stun.api.ErrorCode;
import io.macula.nat.stun.api.Lifetime;
import io.macula.nat.stun.api.RetransmissionSchedule;
import io.macula.nat.stun.api.StunAttribute;
import io.macula.nat.stun.api.StunClass;
import io.macula.nat.stun.api.StunCodec;
import io.macula.nat.stun.api.StunMessage;
import io.macula.nat.stun.api.XorMappedAddress;
import io.macula.nat.stun.api.XorRelayedAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that ended an allocation on its own (coturn does when a send to a peer fails) answers
 * what follows with errors: the client then checks with a Refresh, and lets the allocation lapse
 * when that is refused too; a refusal that leaves the allocation standing (the Refresh succeeds)
 * changes nothing.
 */
class AllocationLossTest {
  private static final InetSocketAddress SERVER = new InetSocketAddress("192.0.2.1", 3478);
  private static final InetSocketAddress RELAYED = new InetSocketAddress("192.0.2.1", 50000);

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final List<String> requests = new ArrayList<>();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  @Test
  void aRefusedPermissionAndARefusedRefreshEndTheAllocation() throws Exception {
    Allocation a = allocate(Map.of(StunMessage.CREATE_PERMISSION, 400, StunMessage.REFRESH, 437));
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> a.permit(List.of(InetAddress.getByName("198.51.100.7"))).get(5, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("400"), e.getCause().getMessage());
    assertEquals(List.of("allocate", "create-permission", "refresh"), requests);
    assertFalse(a.isOpen(), "gone on the server: gone here, and the next use allocates anew");
  }

  @Test
  void aRefusedPermissionOnAnAllocationThatStillStandsKeepsIt() throws Exception {
    Allocation a = allocate(Map.of(StunMessage.CREATE_PERMISSION, 400));
    assertThrows(ExecutionException.class,
        () -> a.permit(List.of(InetAddress.getByName("198.51.100.7"))).get(5, TimeUnit.SECONDS));
    assertEquals(List.of("allocate", "create-permission", "refresh"), requests);
    assertTrue(a.isOpen());
  }

  @Test
  void aForbiddenPeerIsNoSignOfALostAllocation() throws Exception {
    Allocation a = allocate(Map.of(StunMessage.CREATE_PERMISSION, 403));
    assertThrows(ExecutionException.class,
        () -> a.permit(List.of(InetAddress.getByName("10.0.0.7"))).get(5, TimeUnit.SECONDS));
    assertEquals(List.of("allocate", "create-permission"), requests, "no Refresh");
    assertTrue(a.isOpen());
  }

  /** An allocation on a scripted server that answers each method with success or the error given. */
  private Allocation allocate(Map<Integer, Integer> errors) throws Exception {
    TurnClient[] client = new TurnClient[1];
    TurnTransport transport = new TurnTransport() {
      @Override
      public void send(ByteBuf message) {
        StunMessage request;
        try {
          request = StunCodec.decode(message);
        } finally {
          message.release();
        }
        requests.add(methodName(request.method()));
        Integer error = errors.get(request.method());
        List<StunAttribute> attributes = error != null ? List.of(new ErrorCode(error, "scripted"))
            : request.method() == StunMessage.ALLOCATE
                ? List.of(new XorRelayedAddress(RELAYED), new XorMappedAddress(new InetSocketAddress("198.51.100.1", 4000)),
                    new Lifetime(600))
                : request.method() == StunMessage.REFRESH ? List.of(new Lifetime(600)) : List.of();
        StunMessage response = new StunMessage(error != null ? StunClass.ERROR_RESPONSE : StunClass.SUCCESS_RESPONSE,
            request.method(), request.transactionId(), attributes);
        ByteBuf raw = StunCodec.encode(ByteBufAllocator.DEFAULT, response, null, false, true);
        try {
          client[0].received(raw);
        } finally {
          raw.release();
        }
      }

      @Override
      public boolean reliable() {
        return true;
      }

      @Override
      public InetSocketAddress server() {
        return SERVER;
      }

      @Override
      public String name() {
        return "tcp";
      }
    };
    client[0] = new TurnClient(transport, new TurnCredentials("alice", "wonderland"), timer,
        new RetransmissionSchedule(Duration.ofMillis(100), 3, 4));
    return client[0].allocate().get(5, TimeUnit.SECONDS);
  }

  private static String methodName(int method) {
    return switch (method) {
      case StunMessage.ALLOCATE -> "allocate";
      case StunMessage.CREATE_PERMISSION -> "create-permission";
      case StunMessage.REFRESH -> "refresh";
      default -> "method " + method;
    };
  }
}
