package io.kubevde.vdeplug.vdeswitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.CStreamPlug;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java console answers the same reply code as Debian's C {@code vde_switch} 2.3.2 for the same
 * command sequence (vde-protocols.md §9.3; vde-2 port.c, hash.c, consmgmt.c): both switches run
 * side by side, each with a C {@code vde_plug} client on port 5, and every line goes to both
 * management sockets. Covers the issue 16.6 commands (port/allocatable, setuser, setgroup, epclose,
 * resetcounter, hash/setminper, load) with valid, out-of-range, missing and malformed arguments,
 * and the VLAN commands around them; and the anti-flap rule of the MAC table, observed with frames.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConsoleMatchesDebianVdeSwitchTest {
  private static final Pattern STATUS = Pattern.compile("(?m)^(1\\d{3}) [^\\n]*\\n+\\z");
  private Path tmp;
  private String cPid;

  @BeforeEach
  void setUp() throws Exception {
    Requirements.assumeRootWithCTools();
    tmp = Files.createTempDirectory("kvswcmp");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (cPid != null) {
      Sh.exec("kill", cPid);
      for (int i = 0; i < 100 && Sh.exec("kill", "-0", cPid).exitCode() == 0; i++) {
        Thread.sleep(50);
      }
      Sh.exec("kill", "-9", cPid);
    }
    if (tmp != null) Sh.exec("rm", "-rf", tmp.toString());
  }

  /** Commands whose reply code is compared, in order (state carries over between lines). */
  private List<String> script(Path rc, Path nested) {
    return List.of(
        "port/allocatable 5 0",
        "port/allocatable 5 1",
        "port/allocatable 5 2",
        "port/allocatable 0x5 1",
        "port/allocatable 0 1",
        "port/allocatable 6 1",
        "port/allocatable 32 1",
        "port/allocatable -1 1",
        "port/allocatable 5",
        "port/allocatable x 1",
        "port/allocatable",
        "port/create 6",
        "port/create 6",
        "port/allocatable 6 1",
        "port/allocatable 6 0",
        "port/setuser 5 root",
        "port/setuser 5 ANY",
        "port/setuser 5 NONE",
        "port/setuser 5 12345",
        "port/setuser 5 -1",
        "port/setuser 5 nosuchuser",
        "port/setuser 5",
        "port/setuser 7 root",
        "port/setuser 0 root",
        "port/setuser 32 root",
        "port/setuser x root",
        "port/setgroup 6 root",
        "port/setgroup 6 ANY",
        "port/setgroup 6 NONE",
        "port/setgroup 6 777",
        "port/setgroup 6 nosuchgroup",
        "port/setgroup 6",
        "port/setgroup 7 root",
        "port/epclose 5 999",
        "port/epclose 6 1",
        "port/epclose 7 1",
        "port/epclose 40 1",
        "port/epclose 5",
        "port/epclose",
        "port/resetcounter",
        "port/resetcounter 5",
        "port/resetcounter 7",
        "port/resetcounter 0",
        "port/resetcounter 32",
        "port/resetcounter -1",
        "port/resetcounter x",
        "port/remove 6",
        "port/remove 6",
        "port/remove 5",
        "port/create 0",
        "port/createauto",
        "hash/setminper 0",
        "hash/setminper -1",
        "hash/setminper x",
        "hash/setminper 3",
        "hash/find 52:54:00:00:00:01",
        "vlan/create 10",
        "vlan/create 10",
        "vlan/print 10",
        "vlan/print 4093",
        "vlan/print 4094",
        "vlan/addport 10 5",
        "vlan/addport 10 5",
        "vlan/addport 11 5",
        "vlan/addport 10 9",
        "vlan/addport 10 40",
        "vlan/delport 10 5",
        "vlan/delport 10 5",
        "vlan/delport 0 5",
        "vlan/remove 11",
        "vlan/remove 10",
        "vlan/remove 10",
        "load " + rc,
        "load " + nested,
        "load " + tmp.resolve("missing"),
        "load " + tmp,
        "load",
        "port/setnumports 8",
        "port/remove 9",
        "port/setnumports 8",
        "port/setnumports 0",
        "port/setnumports x",
        "port/allocatable 8 1",
        "port/setuser 7 root",
        "port/epclose 8 1",
        "port/resetcounter 8",
        "no/such/command");
  }

  @Test
  void everyCommandAnswersTheReplyCodeOfDebiansVdeSwitch() throws Exception {
    Path rc = tmp.resolve("rc");
    Files.writeString(
        rc, "# comment\nport/create 9\nport/create 9\n\nvlan/print 77\nport/allocatable 9 1\n");
    Path nested = tmp.resolve("nested");
    Files.writeString(nested, "load " + rc + "\nport/setuser 9 ANY\n");
    Path cDir = startC();
    Path cMgmt = tmp.resolve("c.mgmt");
    Path jDir = tmp.resolve("j");
    Path jMgmt = tmp.resolve("j.mgmt");
    try (VdeSwitch sw = VdeSwitch.start(jDir, Optional.of(jMgmt), false);
        CStreamPlug onC = new CStreamPlug(null, "vde://" + cDir + "[5]");
        CStreamPlug onJava = new CStreamPlug(null, "vde://" + jDir + "[5]")) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> sw.node().ports().stream().anyMatch(p -> p.id() == 5));
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> replies(cMgmt, List.of("port/print 5")).get(0).contains("ACTIVE"));
      List<String> lines = script(rc, nested);
      List<String> c = replies(cMgmt, lines);
      List<String> j = replies(jMgmt, lines);
      List<String> differences = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        if (!status(c.get(i)).equals(status(j.get(i)))) {
          differences.add(lines.get(i) + ": C " + status(c.get(i)) + ", Java " + status(j.get(i)));
        }
      }
      assertThat(differences).as(String.join("\n", differences)).isEmpty();
      // the load of a script echoes each line and its reply in the same text
      int load = lines.indexOf("load " + nested);
      assertThat(j.get(load)).isEqualTo(c.get(load));
      assertThat(onC.alive()).isTrue();
      assertThat(onJava.alive()).isTrue();
    }
  }

  /**
   * The anti-flap rule (vde-2 hash.c: a MAC moves only when {@code now - last_seen >
   * min_persistence}, 3 s): on both switches a MAC first seen on port 1 and 0.x s later on port 2
   * stays on port 1 (a unicast to it reaches port 1 only); after 4.5 s of silence from port 1 its
   * next sighting on port 2 moves it there.
   */
  @Test
  void aMacSeenOnAnotherPortStaysPutForTheMinimumPersistenceLikeOnDebiansVdeSwitch()
      throws Exception {
    Path cDir = startC();
    Path jDir = tmp.resolve("j");
    try (VdeSwitch sw = VdeSwitch.start(jDir, Optional.empty(), false)) {
      assertThat(flapOutcome(jDir)).as("Java").isEqualTo("port 1, then port 2");
      assertThat(flapOutcome(cDir)).as("Debian's C vde_switch").isEqualTo("port 1, then port 2");
    }
  }

  private static final String X = "52:54:00:00:00:71";
  private static final String Y = "52:54:00:00:00:73";

  /** Where a unicast to X goes after X moved from port 1 to 2 at once, then after 4.5 s. */
  private static String flapOutcome(Path dir) throws Exception {
    try (CStreamPlug p1 = new CStreamPlug(null, "vde://" + dir + "[1]");
        CStreamPlug p2 = new CStreamPlug(null, "vde://" + dir + "[2]");
        CStreamPlug p3 = new CStreamPlug(null, "vde://" + dir + "[3]")) {
      // wait until all three are attached: a broadcast from port 3 reaches 1 and 2
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> {
                p3.send(EthFrames.frame(EthFrames.BROADCAST, Y, EthFrames.TEST_TYPE, "hello"));
                return p1.poll(300) != null && p2.poll(300) != null;
              });
      drain(p1, p2, p3);
      p1.send(EthFrames.frame(EthFrames.BROADCAST, X, EthFrames.TEST_TYPE, "from-1"));
      assertThat(p3.poll(5_000)).isNotNull();
      p2.send(EthFrames.frame(EthFrames.BROADCAST, X, EthFrames.TEST_TYPE, "from-2"));
      assertThat(p3.poll(5_000)).isNotNull();
      drain(p1, p2, p3);
      String first = unicastReceiver(p1, p2, p3);
      Thread.sleep(4_500);
      p2.send(EthFrames.frame(EthFrames.BROADCAST, X, EthFrames.TEST_TYPE, "from-2-later"));
      assertThat(p3.poll(5_000)).isNotNull();
      drain(p1, p2, p3);
      return first + ", then " + unicastReceiver(p1, p2, p3);
    }
  }

  private static String unicastReceiver(CStreamPlug p1, CStreamPlug p2, CStreamPlug p3)
      throws Exception {
    p3.send(EthFrames.frame(X, Y, EthFrames.TEST_TYPE, "to-x"));
    byte[] at1 = p1.poll(1_500);
    byte[] at2 = p2.poll(at1 == null ? 1_500 : 300);
    return at1 != null && at2 == null
        ? "port 1"
        : at2 != null && at1 == null
            ? "port 2"
            : "ports 1 " + (at1 != null) + " 2 " + (at2 != null);
  }

  private static void drain(CStreamPlug... plugs) throws InterruptedException {
    for (CStreamPlug p : plugs) while (p.poll(200) != null) {}
  }

  /** Starts Debian's vde_switch on {@code tmp/c} with its console on {@code tmp/c.mgmt}. */
  private Path startC() throws Exception {
    Path cDir = tmp.resolve("c");
    Path cMgmt = tmp.resolve("c.mgmt");
    Path pidFile = tmp.resolve("c.pid");
    Sh.run("vde_switch", "-d", "-p", pidFile.toString(), "-s", cDir + "", "-M", cMgmt + "");
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Files.exists(pidFile) && Files.exists(cMgmt));
    cPid = Files.readString(pidFile).trim();
    return cDir;
  }

  private static String status(String reply) {
    Matcher m = STATUS.matcher(reply);
    return m.find() ? m.group(1) : "none in " + reply;
  }

  /** Sends each line on one console session and returns the text before each next prompt. */
  private static List<String> replies(Path mgmt, List<String> lines) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(mgmt));
      StringBuilder pending = new StringBuilder();
      untilPrompt(ch, pending);
      List<String> out = new ArrayList<>();
      for (String l : lines) {
        ch.write(ByteBuffer.wrap((l + "\n").getBytes(StandardCharsets.US_ASCII)));
        out.add(untilPrompt(ch, pending));
      }
      return out;
    }
  }

  private static String untilPrompt(SocketChannel ch, StringBuilder pending) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(8192);
    int at;
    while ((at = pending.indexOf("\nvde$ ")) < 0) {
      if (ch.read(b.clear()) < 0) throw new IOException("console closed: " + pending);
      pending.append(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII));
    }
    String reply = pending.substring(0, at + 1);
    pending.delete(0, at + "\nvde$ ".length());
    return reply;
  }
}
