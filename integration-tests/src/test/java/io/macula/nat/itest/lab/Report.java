package io.macula.nat.itest.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The lab's report: target/natlab/report.md, and the same as report.json. */
final class Report {
  private Report() {}

  static void write(Path dir, List<Scenario.Outcome> outcomes, List<NatMatrixIT.Discovery> discoveries,
      String hubNatCounts, long seconds) throws IOException {
    Files.createDirectories(dir);
    StringBuilder md = new StringBuilder("# NAT lab report\n\n")
        .append(outcomes.size()).append(" scenarios in ").append(seconds).append(" s. ")
        .append("Expected: the strategy that must win, and its path, with the strategies installed today (NatPairTable); ")
        .append("any other winner fails the row, a better one too. ")
        .append("RTT target: the roadmap's latency target for the path, which the median round trip must meet.\n\n")
        .append("Upgrade ms: for a connection that moves off a relay while it runs, from the moment the better path")
        .append(" became possible to the move. Fallback ms: from the moment its path stopped passing traffic to its")
        .append(" move to the relay.\n\n")
        .append("| scenario | NAT of A (connects) | NAT of B | expected | winner | connect ms | upgrade ms | fallback ms | RTT ms | RTT target ms | MB/s | roadmap | result |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    StringBuilder json = new StringBuilder("[\n");
    for (int i = 0; i < outcomes.size(); i++) {
      Scenario.Outcome o = outcomes.get(i);
      Scenario s = o.scenario();
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
          s.name(), s.fromNat().label, s.toNat().label, s.expected().label(),
          o.winner() == null ? "-" : o.winner() + " (" + o.path() + ")", o.connectMs() < 0 ? "-" : o.connectMs(),
          o.upgradeMs() < 0 ? "-" : o.upgradeMs(), o.fallbackMs() < 0 ? "-" : o.fallbackMs(),
          o.rttMs() < 0 ? "-" : String.format(Locale.ROOT, "%.2f", o.rttMs()),
          s.expected().path().latencyTarget().toMillis(),
          o.mbPerSecond() < 0 ? "-" : String.format(Locale.ROOT, "%.1f", o.mbPerSecond()),
          s.roadmap(), o.verdict()));
      json.append(String.format(Locale.ROOT,
          "  {\"scenario\": \"%s\", \"natA\": \"%s\", \"natB\": \"%s\", \"expected\": \"%s\", \"winner\": %s, \"path\": %s, "
              + "\"connectMs\": %d, \"upgradeMs\": %d, \"fallbackMs\": %d, \"rttMs\": %.3f, \"mbPerSecond\": %.2f, \"roadmap\": \"%s\", \"result\": \"%s\", \"detail\": \"%s\"}%s%n",
          s.name(), s.fromNat().label, s.toNat().label, s.expected().label(), quote(o.winner()), quote(o.path()),
          o.connectMs(), o.upgradeMs(), o.fallbackMs(), o.rttMs(), o.mbPerSecond(), s.roadmap(), o.verdict(), o.detail().replace("\\", "\\\\").replace("\"", "'").replace("\n", " "),
          i + 1 < outcomes.size() ? "," : ""));
    }
    json.append("]\n");
    md.append("\n## NAT behaviour discovered by each node (RFC 5780, `nat:natinfo`)\n\n")
        .append("| node | lab NAT | discovered | mapping | filtering | hairpinning | result |\n")
        .append("|---|---|---|---|---|---|---|\n");
    for (NatMatrixIT.Discovery d : discoveries) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s%s | %s |%n", d.node(), d.labNat().label,
          d.behavior(), d.mapping(), d.filtering(), d.hairpinning(),
          d.expectedHairpinning().isEmpty() ? "" : " (expected " + d.expectedHairpinning() + ")",
          d.pass() ? "pass" : "FAIL: " + d.detail().replace("|", "/")));
    }
    md.append("\nThe hub's count of the NAT behaviours its nodes reported (`hub:nat`):\n\n```\n")
        .append(hubNatCounts.strip()).append("\n```\n");
    StringBuilder nat = new StringBuilder("[\n");
    for (int i = 0; i < discoveries.size(); i++) {
      NatMatrixIT.Discovery d = discoveries.get(i);
      nat.append(String.format(Locale.ROOT,
          "  {\"node\": \"%s\", \"labNat\": \"%s\", \"discovered\": \"%s\", \"mapping\": \"%s\", "
              + "\"filtering\": \"%s\", \"hairpinning\": \"%s\", \"pass\": %s}%s%n",
          d.node(), d.labNat().label, d.behavior(), d.mapping(), d.filtering(), d.hairpinning(), d.pass(),
          i + 1 < discoveries.size() ? "," : ""));
    }
    nat.append("]\n");
    json = new StringBuilder("{\"scenarios\": ").append(json).append(", \"natDiscovery\": ").append(nat).append("}\n");
    Files.writeString(dir.resolve("report.md"), md);
    Files.writeString(dir.resolve("report.json"), json);
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + s + "\"";
  }
}
