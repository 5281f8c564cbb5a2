package io.kubevde.vdeplug.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.stream.StreamDecoder;
import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * vde-protocols.md §2 / §12.1 against the real C {@code vde_plug}: a C {@code vde_plug
 * hub:///DIR/h} runs in stream mode and the test reads its stdout with the Java {@link
 * StreamDecoder} in tiny random chunks (so C's headers and bodies arrive split). Frames are written
 * into the hub through a second stream plug, every 2-byte length header split across two writes
 * with a pause between them:
 *
 * <ul>
 *   <li>through a Java {@code vde_plug 'cmd://vde_plug DIR/h'}: every frame arrives, intact and in
 *       order (Java keeps the first header byte across reads);
 *   <li>through a C {@code vde_plug DIR/h}: frames are lost (C drops the lone header byte and
 *       desynchronises).
 * </ul>
 *
 * The second test writes an oversize length (0x3000) followed by good frames in one write: the Java
 * vde_plug resynchronises and delivers every frame, the C one drops the rest of its read chunk.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SplitHeaderInteropTest {
  private static final int FRAMES = 20;

  private Path dir;
  private final List<Process> started = new ArrayList<>();

  @BeforeEach
  void setUp() {
    Requirements.assumeRootWithCTools();
    dir = Proc.tempDir("kv-split-");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
      if (!p.waitFor(5, TimeUnit.SECONDS)) p.destroyForcibly();
    }
    if (dir != null) Sh.exec("rm", "-rf", dir.toString());
  }

  /**
   * A 60-byte broadcast frame, EtherType 0x88b5 (local experimental), carrying a run id and a
   * sequence number.
   */
  private static byte[] frame(int run, int seq) {
    ByteBuffer b = ByteBuffer.allocate(60);
    b.put(new byte[] {-1, -1, -1, -1, -1, -1, 0x52, 0x54, 0, 0x77, 0, 0x09})
        .putShort((short) 0x88b5);
    b.putInt(run).putInt(seq);
    while (b.hasRemaining()) b.put((byte) (seq + b.position()));
    return b.array();
  }

  private Process startPiped(List<String> cmd) {
    Process p = Proc.startPiped(null, cmd);
    started.add(p);
    return p;
  }

  /** Run id of the probe frames that signal readiness; never counted as test frames. */
  private static final int PROBE_RUN = 0x7fff_fff0;

  private final java.util.concurrent.atomic.AtomicInteger probesSeen =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Readiness signal: writes one whole (unsplit) probe frame to {@code out} every 200 ms until the
   * hub's reader has seen a new probe, at most {@code ms}; returns whether one arrived. Used after
   * starting a plug (JVM start-up, the connection to the hub) and after the test frames (whatever
   * the plug delivers arrives before the probe).
   */
  private boolean awaitProbe(OutputStream out, long ms) throws Exception {
    int before = probesSeen.get();
    long deadline = System.currentTimeMillis() + ms;
    byte[] f = frame(PROBE_RUN, 0);
    while (System.currentTimeMillis() < deadline) {
      out.write(0);
      out.write(f.length);
      out.write(f);
      out.flush();
      long until = System.currentTimeMillis() + 200;
      while (System.currentTimeMillis() < until) {
        if (probesSeen.get() > before) return true;
        Thread.sleep(5);
      }
    }
    return false;
  }

  /**
   * Reads the hub plug's stdout in 1..7-byte chunks with the Java decoder; collects sequence
   * numbers of our run.
   */
  private Thread reader(InputStream in, int run, List<Integer> seqs, PlugStats stats) {
    Thread t =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  StreamDecoder d = new StreamDecoder(stats);
                  ByteBuffer out = ByteBuffer.allocate(StreamDecoder.MAX_LENGTH);
                  byte[] chunk = new byte[7];
                  try {
                    int r;
                    while ((r = in.read(chunk, 0, 1 + ThreadLocalRandom.current().nextInt(7)))
                        > 0) {
                      ByteBuffer bb = ByteBuffer.wrap(chunk, 0, r);
                      int n;
                      while ((n = d.next(bb, out.clear())) != StreamDecoder.NEED_MORE) {
                        if (n == 60
                            && out.getShort(12) == (short) 0x88b5
                            && out.getInt(14) == PROBE_RUN) {
                          probesSeen.incrementAndGet();
                        } else if (n == 60
                            && out.getShort(12) == (short) 0x88b5
                            && out.getInt(14) == run) {
                          int seq = out.getInt(18);
                          byte[] want = frame(run, seq);
                          byte[] got = new byte[60];
                          out.get(0, got);
                          if (java.util.Arrays.equals(want, got)) seqs.add(seq);
                        }
                      }
                    }
                  } catch (java.io.IOException e) {
                    // stream closed at tear-down
                  }
                });
    return t;
  }

  /**
   * Writes the frames with every header split after its first byte, pausing 40 ms in the middle.
   */
  private static void writeSplit(OutputStream out, int run) throws Exception {
    for (int seq = 0; seq < FRAMES; seq++) {
      byte[] f = frame(run, seq);
      out.write(0);
      out.flush();
      Thread.sleep(40);
      out.write(f.length);
      out.write(f);
      out.flush();
      Thread.sleep(20);
    }
  }

  private Process hub(Path h) throws Exception {
    Process hub = startPiped(List.of("vde_plug", "hub://" + h));
    long deadline = System.currentTimeMillis() + 30_000;
    while (!Files.exists(h.resolve("ctl")) && System.currentTimeMillis() < deadline)
      Thread.sleep(50);
    assertThat(h.resolve("ctl")).exists();
    return hub;
  }

  private static void awaitCount(List<Integer> seqs, int n, long ms) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    while (seqs.size() < n && System.currentTimeMillis() < deadline) Thread.sleep(50);
  }

  @Test
  void javaKeepsSyncOnSplitHeadersWhereCLosesIt() throws Exception {
    Path h = dir.resolve("h");
    Process hub = hub(h);
    List<Integer> seqs = new CopyOnWriteArrayList<>();
    PlugStats readStats = new PlugStats();
    reader(hub.getInputStream(), 1, seqs, readStats);

    // Java: split headers into the Java vde_plug, which re-frames them to a C child on the hub
    Process jplug = startPiped(JavaCli.vdePlug("cmd://vde_plug " + h));
    assertThat(awaitProbe(jplug.getOutputStream(), 30_000))
        .as("Java vde_plug started and joined the hub")
        .isTrue();
    writeSplit(jplug.getOutputStream(), 1);
    awaitCount(seqs, FRAMES, 30_000);
    List<Integer> javaSeqs = List.copyOf(seqs);
    assertThat(javaSeqs)
        .as("frames through the Java vde_plug, in order")
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, FRAMES).boxed().toList());
    assertThat(readStats.malformedCount())
        .as("the Java decoder never lost sync on C's output")
        .isZero();

    // C: the same bytes into a C vde_plug client of the same hub
    seqs.clear();
    Process c = startPiped(List.of("vde_plug", h.toString()));
    assertThat(awaitProbe(c.getOutputStream(), 30_000)).as("C vde_plug joined the hub").isTrue();
    writeSplit(c.getOutputStream(), 1);
    // C may stay desynchronised and eat the probes too: then what it delivered has had 10 s to
    // arrive
    awaitProbe(c.getOutputStream(), 10_000);
    System.out.println(
        "split headers: Java delivered "
            + javaSeqs.size()
            + "/"
            + FRAMES
            + ", C delivered "
            + seqs.size()
            + "/"
            + FRAMES
            + " "
            + seqs);
    assertThat(seqs.size())
        .as("frames through the C vde_plug (§12.1: C loses a split header)")
        .isLessThan(FRAMES);
  }

  /** An oversize length (0x3000) followed by frames, all in one write. */
  private static void writeOversizeThenFrames(OutputStream out, int run) throws Exception {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    b.write(0x30);
    b.write(0x00);
    for (int seq = 0; seq < FRAMES; seq++) {
      byte[] f = frame(run, seq);
      b.write(0);
      b.write(f.length);
      b.write(f);
    }
    out.write(b.toByteArray());
    out.flush();
  }

  /**
   * §2/§12.1: a length above 9236 followed by good frames in the same write. The Java vde_plug
   * counts it and resynchronises on the next header (all frames delivered); the C vde_plug drops
   * the rest of the read chunk.
   */
  @Test
  void javaResynchronisesAfterAnOversizeLengthWhereCDropsTheChunk() throws Exception {
    Path h = dir.resolve("h");
    Process hub = hub(h);
    List<Integer> seqs = new CopyOnWriteArrayList<>();
    reader(hub.getInputStream(), 7, seqs, new PlugStats());

    Process jplug = startPiped(JavaCli.vdePlug("cmd://vde_plug " + h));
    assertThat(awaitProbe(jplug.getOutputStream(), 30_000))
        .as("Java vde_plug started and joined the hub")
        .isTrue();
    writeOversizeThenFrames(jplug.getOutputStream(), 7);
    awaitCount(seqs, FRAMES, 30_000);
    List<Integer> javaSeqs = List.copyOf(seqs);
    assertThat(javaSeqs)
        .as("frames after the oversize length, through the Java vde_plug")
        .containsExactlyElementsOf(java.util.stream.IntStream.range(0, FRAMES).boxed().toList());

    seqs.clear();
    Process c = startPiped(List.of("vde_plug", h.toString()));
    assertThat(awaitProbe(c.getOutputStream(), 30_000)).as("C vde_plug joined the hub").isTrue();
    writeOversizeThenFrames(c.getOutputStream(), 7);
    // C may stay desynchronised and eat the probes too: then what it delivered has had 10 s to
    // arrive
    awaitProbe(c.getOutputStream(), 10_000);
    System.out.println(
        "oversize length: Java delivered "
            + javaSeqs.size()
            + "/"
            + FRAMES
            + ", C delivered "
            + seqs.size()
            + "/"
            + FRAMES);
    assertThat(seqs.size())
        .as("frames through the C vde_plug (rest of the chunk dropped)")
        .isLessThan(FRAMES);
  }
}
