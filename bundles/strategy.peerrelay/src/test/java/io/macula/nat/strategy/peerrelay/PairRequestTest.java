package io.macula.nat.strategy.peerrelay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.macula.nat.api.NodeId;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PairRequestTest {
  @Test
  void questionsAndAnswersSurviveTheStream() throws IOException {
    byte[] raw = new byte[NodeId.LENGTH];
    raw[3] = 9;
    NodeId peer = NodeId.of(raw);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PairRequest.writeRequest(out, peer);
    byte[] key = new byte[PairRequest.KEY_LENGTH];
    key[31] = 1;
    PairRequest.writeAnswer(out, PairRequest.Answer.paired(key));
    PairRequest.writeAnswer(out, PairRequest.Answer.refused("full\nreally"));
    ByteArrayInputStream in = new ByteArrayInputStream(out.toByteArray());
    assertEquals(peer, PairRequest.readRequest(in));
    assertArrayEquals(key, PairRequest.readAnswer(in).key());
    assertEquals("full really", PairRequest.readAnswer(in).refusal());
  }

  @Test
  void anythingElseIsRefusedWithoutReadingPastTheLimit() {
    for (String text : new String[] {"pair nobody\n", "hello\n", "pair " + "x".repeat(600) + "\n", "pair abc",
        "paired 00\n", "maybe\n"}) {
      ByteArrayInputStream in = new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
      assertThrows(IOException.class, () -> {
        if (text.startsWith("pair ")) {
          PairRequest.readRequest(in);
        } else {
          PairRequest.readAnswer(in);
        }
      }, text);
    }
  }
}
