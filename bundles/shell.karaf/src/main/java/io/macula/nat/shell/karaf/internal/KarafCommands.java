package io.macula.nat.shell.karaf.internal;

import io.macula.nat.api.Negotiator;
import io.macula.nat.api.NodeDescriptor;
import io.macula.nat.api.NodeId;
import io.macula.nat.api.StrategyStatus;
import io.macula.nat.api.command.OperatorCommands;
import io.macula.nat.peer.api.HubSession;
import io.macula.nat.transport.api.Endpoint;
import java.util.ArrayList;
import java.util.List;
import org.apache.karaf.shell.api.console.Registry;
import org.apache.karaf.shell.api.console.SessionFactory;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Registers every {@link OperatorCommands} service's functions with Karaf's shell, for as long as the
 * service is there, with help and completion. The shell bundle's Gogo registrar stands aside in Karaf,
 * so each name is registered once.
 */
@Component(immediate = true, service = {})
public final class KarafCommands {
  private final Registry registry;
  private final ServiceTracker<Object, List<OperatorCommand>> tracker;
  private final ArgumentValues values = new ArgumentValues(this::nodes, this::strategies);

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Negotiator negotiator;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile HubSession hub;

  @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
      policyOption = ReferencePolicyOption.GREEDY)
  private volatile Endpoint endpoint;

  @Activate
  public KarafCommands(BundleContext context, @Reference(name = "shell") SessionFactory shell)
      throws InvalidSyntaxException {
    this.registry = shell.getRegistry();
    this.tracker = new ServiceTracker<>(context, context.createFilter("(" + OperatorCommands.SCOPE + "=*)"), null) {
      @Override
      public List<OperatorCommand> addingService(ServiceReference<Object> reference) {
        Object target = context.getService(reference);
        if (target == null) {
          return null;
        }
        List<OperatorCommand> commands = new ArrayList<>();
        String scope = String.valueOf(reference.getProperty(OperatorCommands.SCOPE));
        for (String function : functions(reference.getProperty(OperatorCommands.FUNCTION))) {
          OperatorCommand command = new OperatorCommand(scope, function, target, values);
          registry.register(command);
          commands.add(command);
        }
        return commands;
      }

      @Override
      public void removedService(ServiceReference<Object> reference, List<OperatorCommand> commands) {
        commands.forEach(registry::unregister);
        context.ungetService(reference);
      }
    };
    tracker.open(true);
  }

  @Deactivate
  void deactivate() {
    tracker.close();
  }

  private static List<String> functions(Object property) {
    if (property instanceof String[] names) {
      return List.of(names);
    }
    return property == null ? List.of() : List.of(property.toString());
  }

  /** The nodes the hub knows, but this one: asked of the hub only while the session is up. */
  private List<String> nodes() {
    HubSession h = hub;
    if (h == null || !h.isConnected()) {
      return List.of();
    }
    Endpoint e = endpoint;
    NodeId self = e == null ? null : e.localId();
    try {
      return h.nodes().stream().map(NodeDescriptor::id).filter(id -> !id.equals(self)).map(NodeId::toString)
          .toList();
    } catch (RuntimeException unanswered) {
      return List.of();
    }
  }

  private List<String> strategies() {
    Negotiator n = negotiator;
    return n == null ? List.of() : n.strategies().stream().map(StrategyStatus::name).toList();
  }
}
