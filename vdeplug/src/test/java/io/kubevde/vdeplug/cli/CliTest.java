package io.kubevde.vdeplug.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.stream.StreamDecoder;
import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.Sh;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The Java vde_plug and dpipe CLIs run as processes, as a user runs them (no root needed). */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CliTest {

  record Run(int code, String out, String err) {}

  static Run run(List<String> cmd, byte[] stdin) throws Exception {
    Path out = Files.createTempFile("kv-cli-out", ".txt");
    Path err = Files.createTempFile("kv-cli-err", ".txt");
    try {
      Process p =
          new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      try (OutputStream in = p.getOutputStream()) {
        in.write(stdin);
      }
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  @Test
  void vdePlugUsageErrorsExit2AndOpenErrorsExit1() throws Exception {
    Run three = run(JavaCli.vdePlug("null://", "null://", "null://"), new byte[0]);
    assertThat(three.code()).isEqualTo(2);
    assertThat(three.err()).contains("at most two VNLs");
    Run noCmd = run(JavaCli.vdePlug("null://", "="), new byte[0]);
    assertThat(noCmd.code()).isEqualTo(2);
    assertThat(noCmd.err()).contains("a command must follow '='");
    Run bad = run(JavaCli.vdePlug("udp://5000:10.0.0.1:1", "null://"), new byte[0]);
    assertThat(bad.code()).isEqualTo(1);
    assertThat(bad.err()).contains("vde_open udp://5000:10.0.0.1:1").contains("missing '->'");
    Run unknown = run(JavaCli.vdePlug("nosuch://x"), new byte[0]);
    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err()).contains("unknown scheme");
    Run daemonStream = run(JavaCli.vdePlug("-d", "null://"), new byte[0]);
    assertThat(daemonStream.code()).isEqualTo(2);
    assertThat(daemonStream.err()).contains("--daemon needs two VNLs");
  }

  @Test
  void vdePlugOptionsMayFollowAVnlButNotTheEqualsSign() throws Exception {
    Run between = run(JavaCli.vdePlug("null://", "-D", "descr", "cmd://true"), new byte[0]);
    assertThat(between.code()).as(between.err()).isZero();
    Run cmdOpts = run(JavaCli.vdePlug("null://", "=", "sh", "-c", "exit 0", "-D"), new byte[0]);
    assertThat(cmdOpts.code()).as(cmdOpts.err()).isZero();
    Run unknown = run(JavaCli.vdePlug("-x", "null://"), new byte[0]);
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("-x");
  }

  @Test
  void vdePlugExitsOnStdinEofAndWarnsAboutLogOptions() throws Exception {
    Run r = run(JavaCli.vdePlug("-l", "null://"), new byte[0]);
    assertThat(r.code()).isZero();
    assertThat(r.err()).contains("-l/--log and -L/--iplog are not implemented");
    assertThat(r.out()).isEmpty();
  }

  /**
   * The one-VNL stream form end to end: frames written to stdin with split headers and keep-alives
   * go through the Java vde_plug to {@code cmd://cat}, which echoes them, and come back on stdout
   * in order.
   */
  @Test
  void streamOnStdioEchoesThroughACmdChild() throws Exception {
    Process p =
        new ProcessBuilder(JavaCli.vdePlug("cmd://cat"))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      OutputStream in = p.getOutputStream();
      InputStream out = p.getInputStream();
      int frames = 50;
      for (int seq = 0; seq < frames; seq++) {
        int len = 14 + seq * 37;
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) f[i] = (byte) (seq ^ i);
        in.write(new byte[] {0, 0}); // keep-alive
        in.write(len >>> 8);
        in.flush();
        if (seq % 5 == 0) Thread.sleep(20); // a header split across two reads
        in.write(len & 0xff);
        in.write(f, 0, len / 2);
        in.flush();
        in.write(f, len / 2, len - len / 2);
        in.flush();
      }
      StreamDecoder d = new StreamDecoder(new PlugStats());
      ByteBuffer frame = ByteBuffer.allocate(StreamDecoder.MAX_LENGTH);
      byte[] chunk = new byte[3000];
      int seq = 0;
      while (seq < frames) {
        int r = out.read(chunk);
        assertThat(r).as("stdout open").isPositive();
        ByteBuffer b = ByteBuffer.wrap(chunk, 0, r);
        int n;
        while ((n = d.next(b, frame.clear())) != StreamDecoder.NEED_MORE) {
          assertThat(n).isEqualTo(14 + seq * 37);
          for (int i = 0; i < n; i++) assertThat(frame.get(i)).isEqualTo((byte) (seq ^ i));
          seq++;
        }
      }
      in.close();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exits on stdin EOF").isTrue();
      assertThat(p.exitValue()).isZero();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void vdePlugDaemonWritesItsPidFileAndRemovesItOnTermination(@TempDir Path dir) throws Exception {
    Path pidfile = dir.resolve("plug.pid");
    Run r =
        run(
            JavaCli.vdePlug("-d", "-p", pidfile.toString(), "null://", "cmd://sleep 600"),
            new byte[0]);
    assertThat(r.code()).as(r.err()).isZero();
    long pid = Long.parseLong(Files.readString(pidfile).trim());
    ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
    try {
      assertThat(h.isAlive()).isTrue();
      assertThat(h.parent().map(ProcessHandle::pid).orElse(-1L))
          .isNotEqualTo(ProcessHandle.current().pid());
      assertThat(Files.readString(Path.of("/proc/" + pid + "/stat")).split(" ")[5])
          .as("session leader")
          .isEqualTo(Long.toString(pid));
      List<ProcessHandle> kids = h.children().toList();
      assertThat(kids).as("the cmd:// child").isNotEmpty();
      h.destroy();
      try {
        assertThat(h.onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();
      } catch (java.util.concurrent.TimeoutException e) {
        // an intermittent hang on SIGTERM was seen under heavy load: keep the daemon's threads for
        // diagnosis
        String jstack =
            Sh.exec(
                    Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
                    Long.toString(pid))
                .output();
        throw new AssertionError(
            "daemon " + pid + " still alive 60 s after SIGTERM; its threads:\n" + jstack, e);
      }
      for (ProcessHandle k : kids)
        assertThat(k.onExit().get(60, TimeUnit.SECONDS).isAlive()).as("cmd child ended").isFalse();
      assertThat(pidfile).doesNotExist();
    } finally {
      h.destroyForcibly();
    }
  }

  @Test
  void dpipeConnectsTwoCommandsBothWaysAndReturnsTheLastStatus(@TempDir Path dir) throws Exception {
    Path pid = dir.resolve("d.pid");
    Path pgrp = dir.resolve("d.pgrp");
    List<String> cmd =
        new ArrayList<>(
            JavaCli.dpipe(
                "-p",
                pid.toString(),
                "-P",
                pgrp.toString(),
                "sh",
                "-c",
                "echo hello; read x; echo got:$x >&2",
                "=",
                "sh",
                "-c",
                "read y; echo $y-back; while [ ! -s "
                    + pgrp
                    + " ]; do sleep 0.05; done; cat "
                    + pgrp
                    + " >&2; exit 3"));
    Run r = run(cmd, new byte[0]);
    assertThat(r.code()).isEqualTo(3);
    assertThat(r.err()).contains("got:hello-back").containsPattern("(?m)^-\\d+$");
    assertThat(pid).doesNotExist();
    assertThat(pgrp).doesNotExist();
  }

  @Test
  void dpipeRefusesSeparatorsThatMakeNoSense() throws Exception {
    Run mixed = run(JavaCli.dpipe("a", "=}", "b", "=", "c"), new byte[0]);
    assertThat(mixed.code()).isEqualTo(2);
    assertThat(mixed.err()).contains("command 2 ('b') is between '=}' and '='");
    Run edge = run(JavaCli.dpipe("=", "b"), new byte[0]);
    assertThat(edge.code()).isEqualTo(2);
    Run one = run(JavaCli.dpipe("a", "b"), new byte[0]);
    assertThat(one.code()).isEqualTo(2);
    Run missing = run(JavaCli.dpipe("/no/such/cmd", "=", "cat"), new byte[0]);
    assertThat(missing.code()).isEqualTo(1);
    assertThat(missing.err()).contains("cannot start '/no/such/cmd'");
  }

  /**
   * Three-command chains and one-directional filters behave exactly as the C dpipe (same scripts,
   * same output).
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      textBlock =
          """
            chain       | =  | =  | c1 got ping+1-back+2 | 5
            rightward   | =} | }= | c1 got ping-f-back   | 5
            leftward    | ={ | {= | c1 got ping-back-f   | 5
            """)
  void dpipeChainsMatchTheCDpipe(String name, String sep1, String sep2, String expected, int status)
      throws Exception {
    io.kubevde.vdeplug.testing.Requirements.assumeTools("dpipe");
    String middle =
        sep1.equals("=")
            ? "echo alt=$ALTERNATE_STDIN$ALTERNATE_STDOUT >&2; read a; echo \"$a+1\" >&$ALTERNATE_STDOUT; "
                + "read b <&$ALTERNATE_STDIN; echo \"$b+2\""
            : "read a; echo \"$a-f\"";
    List<String> words =
        List.of(
            "sh",
            "-c",
            "echo ping; read x; echo \"c1 got $x\" >&2",
            sep1,
            "sh",
            "-c",
            middle,
            sep2,
            "sh",
            "-c",
            "read y; echo \"$y-back\"; exit 5");
    Run java = run(JavaCli.dpipe(words.toArray(String[]::new)), new byte[0]);
    List<String> cCmd = new ArrayList<>(List.of("dpipe"));
    cCmd.addAll(words);
    Run c = run(cCmd, new byte[0]);
    assertThat(c.err()).as("C dpipe").contains(expected);
    assertThat(java.err()).as("Java dpipe").contains(expected);
    assertThat(java.code()).isEqualTo(c.code()).isEqualTo(status);
    if (sep1.equals("=")) assertThat(java.err()).contains("alt=34");
  }

  @Test
  void helpGoesToStdout() throws Exception {
    Run r = run(JavaCli.vdePlug("--help"), new byte[0]);
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage: vde_plug").contains("--pidfile");
    assertThat(
            new String(
                run(JavaCli.dpipe("-h"), new byte[0]).out().getBytes(), StandardCharsets.UTF_8))
        .contains("Usage: dpipe");
  }
}
