package io.macula.nat.shell.internal;

import org.osgi.service.component.ComponentServiceObjects;

/**
 * A service a command uses, got when a command first needs it rather than when the command
 * component starts. A node whose endpoint takes long to start (a loaded machine) then still has
 * working commands: one run meanwhile says the service is starting, and the next one works, where
 * a command component that waited for the service while starting was left failed for good.
 */
final class Lazy<T> {
  private final ComponentServiceObjects<T> objects;
  private final String what;
  private T service; // guarded by this

  Lazy(ComponentServiceObjects<T> objects, String what) {
    this.objects = objects;
    this.what = what;
  }

  synchronized T get() {
    if (service == null) {
      service = objects.getService();
      if (service == null) {
        throw new IllegalStateException(what + " is still starting: try again");
      }
    }
    return service;
  }

  synchronized void release() {
    if (service != null) {
      objects.ungetService(service);
      service = null;
    }
  }
}
