package io.roomcast.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What the bench reads from a server process: a JVM's heap in use from {@code jcmd PID GC.heap_info},
 * as each Java prints it, and the CPU time of its JIT compiler threads from {@code /proc}.
 */
class ProcStatsTest {

  @Test
  void serialCollectorOfJava17SumsBothGenerations() {
    String out = """
        12345:
         def new generation   total 116160K, used 77980K [0x0000000687400000, 0x000000068f200000, 0x0000000704d50000)
          eden space 103296K,  75% used [0x0000000687400000, 0x000000068bad1678, 0x000000068d8e0000)
          from space 12864K,   0% used [0x000000068d8e0000, 0x000000068d8e0000, 0x000000068e570000)
         tenured generation   total 258048K, used 1166K [0x0000000704d50000, 0x0000000714950000, 0x0000000800000000)
           the space 258048K,   0% used [0x0000000704d50000, 0x0000000704e73ab8, 0x0000000714950000)
         Metaspace       used 30012K, committed 30464K, reserved 1081344K
          class space    used 3915K, committed 4096K, reserved 1048576K
        """;
    assertEquals(77980 + 1166, ProcStats.heapUsedKb(out));
  }

  @Test
  void java25PrintsItsLinesUnindentedAndG1WithReservedAndCommitted() {
    String serial = """
        DefNew     total 116160K, used 72517K [0x0000000687400000, 0x000000068f200000, 0x0000000704d50000)
         eden space 103296K,  70% used [0x0000000687400000, 0x000000068bad1678, 0x000000068d8e0000)
        Tenured    total 258048K, used 1166K [0x0000000704d50000, 0x0000000714950000, 0x0000000800000000)
        Metaspace       used 29000K, committed 29440K, reserved 1114112K
        """;
    assertEquals(72517 + 1166, ProcStats.heapUsedKb(serial));
    String g1 = """
        garbage-first heap   total reserved 6172672K, committed 393216K, used 40980K [0x0000000687400000, 0x0000000800000000)
         region size 4096K, 10 young (40960K), 1 survivors (4096K)
        Metaspace       used 29000K, committed 29440K, reserved 1114112K
        """;
    assertEquals(40980, ProcStats.heapUsedKb(g1));
  }

  @Test
  void anAnswerWithoutHeapLinesGivesMinusOne() {
    assertEquals(-1, ProcStats.heapUsedKb("12345:\ncom.sun.tools.attach.AttachNotSupportedException: Unable to open socket file\n"));
  }

  @Test
  void cpuTicksAreUtimePlusStimeEvenWhenTheNameHoldsSpacesAndParentheses() {
    String stat = "4242 (C2 CompilerThre) S 1 4242 4242 0 -1 4194368 12 0 0 0 250 17 0 0 20 0 30 0 99 0 0";
    assertEquals(267, ProcStats.statTicks(stat));
    assertEquals(5, ProcStats.statTicks("7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 2 0 0 20 0 1 0 5 0 0"));
  }

  @Test
  void compilerThreadsAreTheHotSpotOnes() {
    assertTrue(ProcStats.isCompilerThread("C2 CompilerThre"));
    assertTrue(ProcStats.isCompilerThread("C1 CompilerThre"));
    assertFalse(ProcStats.isCompilerThread("vert.x-eventloo"));
    assertFalse(ProcStats.isCompilerThread("VM Thread"));
    assertFalse(ProcStats.isCompilerThread("node"));
  }

  @Test
  void aJvmHasCompilerCpuTimeAndOtherProcessesHaveNone() throws Exception {
    long self = ProcessHandle.current().pid();
    long jit = ProcStats.compilerCpuMicros(self);
    assertTrue(jit >= 0, "this JVM has compiler threads: " + jit);
    assertTrue(jit <= ProcStats.cpuMicros(self), "a part of the process's CPU time");
    Process sleep = new ProcessBuilder("sleep", "30").start();
    try {
      assertEquals(-1, ProcStats.compilerCpuMicros(sleep.pid()), "not a JVM");
      assertEquals(-1, ProcStats.compilerCpuMicros(List.of(self, sleep.pid())), "unknown as soon as one is");
    } finally {
      sleep.destroy();
      sleep.waitFor(5, TimeUnit.SECONDS);
    }
    assertEquals(-1, ProcStats.compilerCpuMicros(sleep.pid()), "a process that is gone");
  }

  @Test
  void stealIsTheHostsShareOfTheMachinesCpuTime() {
    long[] before = ProcStats.machineTicks("cpu  1000 10 300 5000 200 0 90 400 77 0");
    assertEquals(1000 + 10 + 300 + 5000 + 200 + 0 + 90 + 400, before[0], "guest time is inside user already");
    assertEquals(400, before[1]);
    long[] after = ProcStats.machineTicks("cpu  1300 10 400 5500 200 0 90 500 90 0");
    assertEquals(100.0 * 100 / 1000, ProcStats.stealPct(before, after), 1e-9);
    assertTrue(Double.isNaN(ProcStats.stealPct(before, null)), "unreadable: unknown, not zero");
    assertTrue(Double.isNaN(ProcStats.stealPct(after, after)), "no time passed: unknown");
  }

  @Test
  void thisMachineReportsItsCpuTime() {
    long[] now = ProcStats.machineTicks();
    assertTrue(now != null && now[0] > 0 && now[1] >= 0 && now[1] <= now[0], () -> java.util.Arrays.toString(now));
  }
}
