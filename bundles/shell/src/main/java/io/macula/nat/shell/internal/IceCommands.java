package io.macula.nat.shell.internal;

import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.ice.api.Candidate;
import io.macula.nat.ice.api.IceAgent;
import io.macula.nat.ice.api.IceSessionRecord;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.felix.service.command.Descriptor;
import org.osgi.service.component.ComponentServiceObjects;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;

/** ICE from the shell: this node's candidates, and the sessions with peers and their pairs. */
@Component(service = IceCommands.class)
@OperatorCommands(scope = "nat", function = {"candidates", "ice"})
public final class IceCommands {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final Lazy<IceAgent> ice;

  @Activate
  public IceCommands(
      @Reference(service = IceAgent.class) ComponentServiceObjects<IceAgent> ice) {
    this.ice = new Lazy<>(ice, "the ICE agent");
  }

  @Deactivate
  void deactivate() {
    ice.release();
  }

  @Descriptor("list this node's host candidates (server-reflexive ones come from nat:stun)")
  public void candidates() {
    Table t = new Table("TYPE", "ADDRESS", "PRIORITY", "CANDIDATE");
    for (Candidate c : ice.get().localCandidates()) {
      t.row(c.type().sdpName(), c.address(), c.priority(), c.toSdp());
    }
    System.out.print(t.isEmpty() ? "no candidates\n" : t);
  }

  @Descriptor("list the ICE sessions with peers, newest first: role, state, pairs checked, selected pair; then the agent's counters")
  public void ice() {
    var all = ice.get().sessions();
    StringBuilder out = new StringBuilder();
    if (all.isEmpty()) {
      out.append("no ICE sessions\n");
    }
    for (IceSessionRecord s : all) {
      out.append(TIME.format(s.started())).append("  ").append(s.peer().shortForm()).append("  ")
          .append(s.controlling() ? "controlling" : "controlled").append("  ").append(s.state())
          .append(s.selected().map(p -> "  " + p).orElse("")).append('\n');
      s.pairs().forEach(p -> out.append("    pair ").append(p).append('\n'));
      if (!s.detail().isEmpty()) {
        out.append("    ").append(s.detail()).append('\n');
      }
    }
    StringBuilder counters = new StringBuilder();
    ice.get().counters().forEach((k, v) -> counters.append(counters.length() == 0 ? "" : ", ").append(k).append(' ').append(v));
    System.out.print(out.append(counters).append('\n'));
  }
}
