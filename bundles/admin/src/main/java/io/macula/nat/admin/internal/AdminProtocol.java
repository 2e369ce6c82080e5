package io.macula.nat.admin.internal;

/**
 * The admin socket's protocol, one command per connection. The client sends one line: the command,
 * as typed in the shell. The server answers with the command's output, then a last line {@code
 * %%EXIT n}: 0 when the command succeeded, 1 when it failed, 2 when the request was not accepted.
 */
final class AdminProtocol {
  static final String EXIT_PREFIX = "%%EXIT ";
  static final int OK = 0;
  static final int FAILED = 1;
  static final int REJECTED = 2;

  /** A command line longer than this is refused: no shell command needs more. */
  static final int MAX_COMMAND_BYTES = 64 * 1024;

  private AdminProtocol() {}
}
