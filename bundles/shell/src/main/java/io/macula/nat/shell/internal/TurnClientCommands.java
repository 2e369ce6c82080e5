package io.macula.nat.shell.internal;

import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.turn.api.RelayedAddress;
import io.macula.nat.turn.api.TurnRelay;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** The node's TURN client: the servers it may use, and the relayed address it holds. */
@Component(service = TurnClientCommands.class)
@OperatorCommands(scope = "nat", function = {"turn"})
public final class TurnClientCommands {
  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile TurnRelay turn;

  @Descriptor("show the TURN servers this node may use and the relayed address it holds")
  public void turn() {
    TurnRelay t = turn;
    if (t == null) {
      throw new IllegalStateException("no TURN client runs: install the io.macula.nat.turn bundle");
    }
    StringBuilder out = new StringBuilder();
    out.append(t.servers().isEmpty() ? "no TURN server: none configured, and the hub offers none\n"
        : "servers " + String.join(" ", t.servers()) + "\n");
    out.append(t.current().map(TurnClientCommands::held).orElse("no relayed address held\n"));
    System.out.print(out);
  }

  /** The servers this node may use, as nat:netcheck reports them; none without a TURN client. */
  java.util.List<String> servers() {
    TurnRelay t = turn;
    return t == null ? java.util.List.of() : t.servers();
  }

  /** The relayed address held, and the server it is on, when one is held. */
  java.util.Optional<java.net.InetSocketAddress[]> held() {
    TurnRelay t = turn;
    return t == null ? java.util.Optional.empty()
        : t.current().map(a -> new java.net.InetSocketAddress[] {a.relayed(), a.server()});
  }

  private static String held(RelayedAddress a) {
    return "relayed " + a.relayed().getAddress().getHostAddress() + ":" + a.relayed().getPort() + " on "
        + a.server().getAddress().getHostAddress() + ":" + a.server().getPort() + " over " + a.transport() + "\n";
  }
}
