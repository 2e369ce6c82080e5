package io.macula.nat.transport.api;

import io.macula.nat.api.PathKind;
import io.macula.nat.api.PeerChannel;
import io.macula.nat.api.PeerPath;
import io.macula.nat.api.StrategyFailure;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLException;

/** A strategy's path that is a QUIC connection of the endpoint: what transport strategies yield. */
public final class ConnectionPath implements PeerPath {
  private final String strategy;
  private final QuicConnection connection;

  public ConnectionPath(String strategy, QuicConnection connection) {
    this.strategy = strategy;
    this.connection = connection;
  }

  /**
   * The path a connect of the endpoint yields, as a strategy's attempt: cancelling the attempt
   * abandons the connect, and a failure becomes the {@link StrategyFailure} that says why.
   */
  public static CompletableFuture<PeerPath> attempt(String strategy, CompletableFuture<QuicConnection> connect) {
    CompletableFuture<PeerPath> result = new CompletableFuture<>();
    connect.whenComplete((c, error) -> {
      if (error != null) {
        result.completeExceptionally(failure(error));
      } else if (!result.complete(new ConnectionPath(strategy, c))) {
        c.close(); // the attempt was abandoned meanwhile
      }
    });
    result.whenComplete((p, e) -> {
      if (e instanceof CancellationException) {
        connect.cancel(true);
      }
    });
    return result;
  }

  /** What an endpoint connect's failure means to the negotiator. */
  public static StrategyFailure failure(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof StrategyFailure f) {
      return f;
    }
    if (cause instanceof SSLException) {
      return StrategyFailure.refused(cause.getMessage());
    }
    return StrategyFailure.networkError(String.valueOf(cause.getMessage() != null ? cause.getMessage() : cause), cause);
  }

  public QuicConnection connection() {
    return connection;
  }

  @Override
  public String strategy() {
    return strategy;
  }

  @Override
  public PathKind kind() {
    return connection.path().kind();
  }

  @Override
  public Optional<Duration> roundTripTime() {
    return connection.roundTripTime();
  }

  @Override
  public long bytesSent() {
    return connection.bytesSent();
  }

  @Override
  public long bytesReceived() {
    return connection.bytesReceived();
  }

  @Override
  public Optional<PeerChannel> channel() {
    return Optional.of(connection);
  }

  @Override
  public void close() {
    connection.close();
  }
}
