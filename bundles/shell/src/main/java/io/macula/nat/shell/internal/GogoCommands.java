package io.macula.nat.shell.internal;

import io.macula.nat.api.command.OperatorCommands;
import java.util.Hashtable;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Hands every {@link OperatorCommands} service, of any bundle, to Gogo: registers its object once more
 * with Gogo's {@code osgi.command.*} properties, for as long as the service is there. Gogo's
 * {@code help} reads the same {@code @Descriptor}s.
 *
 * <p>Idle in Karaf: Karaf's shell would wrap these registrations without help or completion, so
 * there the Karaf shell bundle registers the commands instead. Karaf names itself by the framework
 * property {@code karaf.base}.
 */
@Component(immediate = true, service = {})
public final class GogoCommands {
  private final ServiceTracker<Object, ServiceRegistration<?>> tracker;

  @Activate
  public GogoCommands(BundleContext context) throws InvalidSyntaxException {
    tracker = new ServiceTracker<>(context, context.createFilter("(" + OperatorCommands.SCOPE + "=*)"), null) {
      @Override
      public ServiceRegistration<?> addingService(ServiceReference<Object> reference) {
        Object commands = context.getService(reference);
        if (commands == null) {
          return null;
        }
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(CommandProcessor.COMMAND_SCOPE, reference.getProperty(OperatorCommands.SCOPE));
        properties.put(CommandProcessor.COMMAND_FUNCTION, reference.getProperty(OperatorCommands.FUNCTION));
        return context.registerService(Object.class, commands, properties);
      }

      @Override
      public void removedService(ServiceReference<Object> reference, ServiceRegistration<?> registration) {
        registration.unregister();
        context.ungetService(reference);
      }
    };
    if (!inKaraf(context)) {
      tracker.open(true);
    }
  }

  private static boolean inKaraf(BundleContext context) {
    return context.getProperty("karaf.base") != null;
  }

  @Deactivate
  void deactivate() {
    tracker.close();
  }
}
