package io.roomcast.hardening;

import io.vertx.core.Future;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Blocking waits for tests that run their scenario on the JUnit thread. */
public final class Waits {
  private Waits() {
  }

  /** The future's result; fails the test (with the cause) if it fails or takes longer than {@code ms}. */
  public static <T> T await(Future<T> f, long ms) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(ms, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof AssertionError a) {
        throw a;
      }
      throw new AssertionError("failed: " + c, c);
    } catch (TimeoutException e) {
      throw new AssertionError("no result within " + ms + " ms");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }

  /** Polls {@code condition} every 20 ms until it holds; fails with {@code what} (evaluated then) after {@code ms}. */
  public static long eventually(BooleanSupplier condition, long ms, Supplier<String> what) {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(ms);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + ms + " ms: " + what.get());
      }
      sleep(20);
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  public static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted");
    }
  }
}
