package io.roomcast.bench;

/**
 * A failure that ends a bench run with one line on stderr: {@link #USAGE} (exit 2) for bad arguments,
 * {@link #FAILED} (exit 1) for a run that could not be carried out (server unreachable, refused
 * connections, a server that does not deliver the probe message).
 */
public final class BenchException extends RuntimeException {
  /** Exit code of bad arguments. */
  public static final int USAGE = 2;
  /** Exit code of a run that failed. */
  public static final int FAILED = 1;

  private final int exitCode;

  BenchException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  static BenchException usage(String message) {
    return new BenchException(USAGE, message);
  }

  static BenchException failed(String message) {
    return new BenchException(FAILED, message);
  }

  /** The process exit code this failure maps to. */
  public int exitCode() {
    return exitCode;
  }
}
