package io.roomcast.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Runs the browser end-to-end suite (e2e/, headless Chromium driven by playwright-core) against the
 * fat jar. Without Chromium or Node the suite is skipped, unless ROOMCAST_REQUIRE_E2E=1 (as in CI),
 * where a missing browser is a failure.
 */
class BrowserIT {

  @Test
  void browserSuitePasses() throws Exception {
    boolean required = "1".equals(System.getenv("ROOMCAST_REQUIRE_E2E"));
    boolean haveTools = Files.isExecutable(Path.of("/usr/bin/chromium")) && onPath("node") && onPath("npm");
    if (!required) {
      assumeTrue(haveTools, "browser tests skipped: install chromium and Node (see .ci/run)");
    }
    Path log = Path.of("target", "e2e.log");
    Process p = new ProcessBuilder("bash", "e2e/run.sh")
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("browser suite timed out; see " + log);
    }
    String output = Files.readString(log);
    System.out.println(output);
    assertEquals(0, p.exitValue(), "browser suite failed:\n" + output);
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }
}
