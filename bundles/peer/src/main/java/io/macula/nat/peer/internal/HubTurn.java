package io.macula.nat.peer.internal;

import io.macula.nat.peer.api.HubSession;
import io.macula.nat.turn.api.TurnContext;
import io.macula.nat.turn.api.TurnServerOffer;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The hub's TURN server, with the credentials the hub made for this node, for the node's TURN client. */
@Component(service = TurnContext.class)
public final class HubTurn implements TurnContext {
  private final HubSession session;

  @Activate
  public HubTurn(@Reference HubSession session) {
    this.session = session;
  }

  @Override
  public List<TurnServerOffer> turnServers() {
    return session.turnServer().stream().toList();
  }
}
