package io.macula.nat.admin.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Lets a script drive a running node: each connection to a local Unix socket runs one shell
 * command and gets its output and exit status. The socket is owner-only, so only the node's own
 * user can run commands; a Unix socket also stays inside a network namespace's filesystem view.
 */
@Component(service = {}, configurationPid = AdminSocket.PID, immediate = true)
@Designate(ocd = AdminSocket.Config.class)
public final class AdminSocket {
  static final String PID = "io.macula.nat.admin";

  // A double underscore in a method name gives an underscore in the key (a single one, a dot).
  @ObjectClassDefinition(
      name = "Macula NAT admin socket",
      description = "A local Unix socket that runs one shell command per connection.")
  public @interface Config {
    @AttributeDefinition(description = "Path of the socket, relative to the node's directory.")
    String socket() default "admin.sock";

    @AttributeDefinition(min = "1", description = "Commands that may run at once.")
    int max__concurrent() default 4;
  }

  private final Logger log;
  private final CommandProcessor processor;
  private final Path path;
  private final ServerSocketChannel server;
  private final ExecutorService workers;
  private final Thread acceptor;
  /** How long a client may take to send its command. */
  static final java.time.Duration READ_DEADLINE = java.time.Duration.ofSeconds(5);
  private final ScheduledExecutorService deadlines =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "nat-admin-deadline"));
  /** How long a refused client may take to send its command: a real one sends it at once. */
  static final java.time.Duration REFUSAL_DEADLINE = java.time.Duration.ofMillis(500);
  private final ExecutorService refusals = new ThreadPoolExecutor(
      4, 4, 30, TimeUnit.SECONDS, new java.util.concurrent.ArrayBlockingQueue<>(16),
      r -> daemon(r, "nat-admin-refuse"));

  /** Where the socket goes: blank is the default, a relative path is in the node's directory. */
  static Path socketPath(String configured) {
    return Path.of(configured.isBlank() ? "admin.sock" : configured.strip()).toAbsolutePath();
  }

  @Activate
  public AdminSocket(
      Config config,
      @Reference CommandProcessor processor,
      @Reference(service = LoggerFactory.class) Logger log)
      throws IOException {
    this.log = log;
    this.processor = processor;
    if (config.max__concurrent() < 1) {
      throw new IllegalArgumentException(
          PID + ": key 'max_concurrent' must be at least 1, not " + config.max__concurrent());
    }
    this.path = socketPath(config.socket());
    // A socket file left by a node that was killed would make bind fail.
    Files.deleteIfExists(path);
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    bindOwnerOnly(server, path);
    this.workers =
        new ThreadPoolExecutor(
            0,
            config.max__concurrent(),
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> daemon(r, "nat-admin-command"));
    this.acceptor = daemon(this::acceptLoop, "nat-admin-accept");
    acceptor.start();
    log.info("admin socket listening on {}", path);
  }

  /**
   * Binds the socket in a directory only the owner can enter, makes it owner-only, then moves it
   * into place: nobody else can connect in the moment between bind and chmod.
   */
  private static void bindOwnerOnly(ServerSocketChannel server, Path path) throws IOException {
    // Beside the socket, with a short name: a Unix socket's path may not exceed 107 bytes.
    Path dir = path.resolveSibling(path.getFileName() + ".d");
    if (Files.isDirectory(dir)) {
      try (var left = Files.list(dir)) {
        for (Path p : left.toList()) {
          Files.delete(p); // what a node that was killed left
        }
      }
      Files.delete(dir);
    }
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path inside = dir.resolve("s");
    try {
      server.bind(UnixDomainSocketAddress.of(inside));
      Files.setPosixFilePermissions(inside, PosixFilePermissions.fromString("rw-------"));
      Files.move(inside, path, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(inside);
      Files.deleteIfExists(dir);
    }
  }

  @Deactivate
  void deactivate() throws IOException {
    server.close();
    workers.shutdownNow();
    refusals.shutdownNow();
    deadlines.shutdownNow();
    Files.deleteIfExists(path);
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      SocketChannel client;
      try {
        client = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        log.warn("admin socket accept failed: {}", e.getMessage());
        continue;
      }
      try {
        workers.execute(() -> serve(client));
      } catch (RejectedExecutionException e) {
        refuse(client);
      }
    }
  }

  /**
   * Every worker is busy: the client is told so with exit status 2, once its command is read (a
   * reply to a client still writing would reach it as a broken pipe). Refusals run on a few threads
   * of their own, each within a short deadline, so they cannot hold up the acceptor.
   */
  private void refuse(SocketChannel client) {
    try {
      refusals.execute(() -> {
        try (client) {
          ScheduledFuture<?> deadline = closeAt(client, REFUSAL_DEADLINE);
          try {
            readCommand(Channels.newInputStream(client));
          } catch (IllegalArgumentException | IOException e) {
            // refused all the same
          } finally {
            deadline.cancel(false);
          }
          reply(client, "the node is busy with other admin commands; try again\n", AdminProtocol.REJECTED);
        } catch (IOException e) {
          log.debug("refused admin client went away: {}", e.getMessage());
        }
      });
    } catch (RejectedExecutionException e) {
      try {
        client.close();
      } catch (IOException ignored) {
        // nothing to tell a client we cannot even refuse
      }
    }
  }

  /** Closes a client that has not sent its command within {@code deadline}. */
  private ScheduledFuture<?> closeAt(SocketChannel client, java.time.Duration deadline) {
    return deadlines.schedule(() -> {
      try {
        client.close();
      } catch (IOException ignored) {
        // closed already
      }
    }, deadline.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void serve(SocketChannel client) {
    try (client) {
      String command;
      ScheduledFuture<?> deadline = closeAt(client, READ_DEADLINE);
      try {
        command = readCommand(Channels.newInputStream(client));
      } catch (IllegalArgumentException e) {
        deadline.cancel(false);
        reply(client, e.getMessage() + "\n", AdminProtocol.REJECTED);
        return;
      }
      if (!deadline.cancel(false)) {
        return; // the deadline closed the client as its command arrived
      }
      ByteArrayOutputStream output = new ByteArrayOutputStream();
      int status = execute(command, output);
      reply(client, output.toString(StandardCharsets.UTF_8), status);
    } catch (IOException e) {
      log.debug("admin client went away: {}", e.getMessage());
    }
  }

  /** Runs a command in a session of its own, capturing everything it prints. */
  private int execute(String command, ByteArrayOutputStream output) {
    PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
    try (CommandSession session = processor.createSession(InputStream.nullInputStream(), out, out)) {
      Object result = session.execute(command);
      if (result != null) {
        out.print(session.format(result, Converter.INSPECT));
      }
      return AdminProtocol.OK;
    } catch (Exception | StackOverflowError | OutOfMemoryError e) {
      // A command the parser recurses on (thousands of '[') must not take the worker down.
      String message = e.getMessage() != null ? e.getMessage() : e.toString();
      out.println("ERROR: " + message.lines().findFirst().orElse(message));
      return AdminProtocol.FAILED;
    } finally {
      out.flush();
    }
  }

  /** Reads one line, up to a newline or the end of the stream. */
  static String readCommand(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) != -1 && b != '\n') {
      if (line.size() >= AdminProtocol.MAX_COMMAND_BYTES) {
        throw new IllegalArgumentException(
            "ERROR: a command may not exceed " + AdminProtocol.MAX_COMMAND_BYTES + " bytes");
      }
      line.write(b);
    }
    String command = line.toString(StandardCharsets.UTF_8).strip();
    if (command.isEmpty()) {
      throw new IllegalArgumentException("ERROR: no command was sent");
    }
    return command;
  }

  private void reply(SocketChannel client, String output, int status) {
    StringBuilder sb = new StringBuilder(output);
    if (!output.isEmpty() && !output.endsWith("\n")) {
      sb.append('\n');
    }
    sb.append(AdminProtocol.EXIT_PREFIX).append(status).append('\n');
    try {
      ByteBuffer bytes = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        client.write(bytes);
      }
      client.close();
    } catch (IOException e) {
      log.debug("admin client went away before its answer: {}", e.getMessage());
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
