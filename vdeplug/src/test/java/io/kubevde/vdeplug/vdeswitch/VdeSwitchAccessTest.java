package io.kubevde.vdeplug.vdeswitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.CStreamPlug;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * vde_switch port admission with real C {@code vde_plug} clients (vde-protocols.md §3.5, §9.2,
 * §9.3): numports, allocatable ports, per-port user/group access, same-user cables, epclose,
 * resetcounter, rc scripts. Clients that must be refused run as {@code nobody} (setpriv).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class VdeSwitchAccessTest {
  private static final int NOBODY = 65534;
  private static final int NOGROUP = 65534;
  private Path tmp;
  private Path dir;

  @BeforeEach
  void setUp() throws Exception {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("setpriv");
    tmp = Files.createTempDirectory("kvswacc");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    dir = tmp.resolve("sw");
  }

  @AfterEach
  void tearDown() {
    if (tmp != null) Sh.exec("rm", "-rf", tmp.toString());
  }

  private VdeSwitch start(int numPorts) throws Exception {
    SwitchSettings d = SwitchSettings.defaults(dir, Optional.of(tmp.resolve("mgmt")), false);
    return VdeSwitch.start(
        new SwitchSettings(
            dir,
            d.mgmt(),
            false,
            0666,
            Optional.empty(),
            Optional.empty(),
            0600,
            Optional.empty(),
            numPorts,
            128,
            3,
            null));
  }

  private static void awaitPort(VdeSwitch sw, int port) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> sw.node().ports().stream().anyMatch(p -> p.id() == port));
  }

  private static String cmd(VdeSwitch sw, String line) {
    return sw.console().orElseThrow().run(line);
  }

  @Test
  void aPortBeyondNumportsIsRefusedInsteadOfHanging() throws Exception {
    try (VdeSwitch sw = start(4);
        CStreamPlug beyond = new CStreamPlug(null, "vde://" + dir + "[4]");
        CStreamPlug inside = new CStreamPlug(null, "vde://" + dir + "[3]")) {
      assertThat(beyond.awaitExit(10_000)).as("vde_plug asking for port 4 of 4 exits").isTrue();
      awaitPort(sw, 3);
      assertThat(inside.alive()).isTrue();
      assertThat(sw.node().requestStats().orElseThrow().malformedCount()).isEqualTo(1);
    }
  }

  @Test
  void reservedAndNotAllocatablePortsAreSkippedByAnyPortClients() throws Exception {
    try (VdeSwitch sw = start(32)) {
      assertThat(cmd(sw, "port/create 1")).endsWith("1000 Success");
      assertThat(cmd(sw, "port/createauto")).startsWith("Port 0002");
      assertThat(cmd(sw, "port/allocatable 2 0")).endsWith("1000 Success");
      try (CStreamPlug any = new CStreamPlug(null, "vde://" + dir);
          CStreamPlug asked = new CStreamPlug(null, "vde://" + dir + "[1]")) {
        awaitPort(sw, 3);
        awaitPort(sw, 1);
        assertThat(cmd(sw, "port/print 2")).contains("1006");
        assertThat(cmd(sw, "port/allprint 2")).contains("INACTIVE - Unnamed NotAllocatable");
      }
    }
  }

  @Test
  void setuserAndSetgroupDecideWhoMayAttachAndCablesBelongToTheFirstUser() throws Exception {
    try (VdeSwitch sw = start(32)) {
      cmd(sw, "port/create 5");
      cmd(sw, "port/create 6");
      cmd(sw, "port/create 7");
      assertThat(cmd(sw, "port/setuser 5 root")).endsWith("1000 Success");
      assertThat(cmd(sw, "port/setuser 6 nobody")).endsWith("1000 Success");
      assertThat(cmd(sw, "port/setgroup 7 nogroup")).endsWith("1000 Success");
      assertThat(cmd(sw, "port/setuser 5 no-such-user-kv")).endsWith("1022 Invalid argument");
      try (CStreamPlug refused =
              new CStreamPlug(null, CStreamPlug.asUser(NOBODY, NOGROUP, "vde://" + dir + "[5]"));
          CStreamPlug own =
              new CStreamPlug(null, CStreamPlug.asUser(NOBODY, NOGROUP, "vde://" + dir + "[6]"));
          CStreamPlug group =
              new CStreamPlug(null, CStreamPlug.asUser(NOBODY, NOGROUP, "vde://" + dir + "[7]"));
          CStreamPlug rootFirst = new CStreamPlug(null, "vde://" + dir + "[8]")) {
        assertThat(refused.awaitExit(10_000)).as("nobody on root's port is refused").isTrue();
        awaitPort(sw, 6);
        awaitPort(sw, 7);
        awaitPort(sw, 8);
        assertThat(cmd(sw, "port/print 6"))
            .contains("Current User: nobody Access Control: (User: nobody - Group: NONE)");
        try (CStreamPlug secondCable =
            new CStreamPlug(null, CStreamPlug.asUser(NOBODY, NOGROUP, "vde://" + dir + "[8]"))) {
          assertThat(secondCable.awaitExit(10_000))
              .as("a cable of root's active port 8 by nobody is refused")
              .isTrue();
        }
        assertThat(own.alive()).isTrue();
        assertThat(group.alive()).isTrue();
      }
    }
  }

  @Test
  void epcloseDropsOneEndpointAndResetcounterZeroesTheCounters() throws Exception {
    try (VdeSwitch sw = start(32);
        CStreamPlug a = new CStreamPlug(null, "vde://" + dir + "[2]");
        CStreamPlug b = new CStreamPlug(null, "vde://" + dir + "[3]")) {
      awaitPort(sw, 2);
      awaitPort(sw, 3);
      byte[] f =
          EthFrames.frame(EthFrames.BROADCAST, "52:54:00:00:00:31", EthFrames.TEST_TYPE, "x");
      a.send(f);
      assertThat(b.poll(5_000)).containsExactly(f);
      assertThat(cmd(sw, "port/print 2")).contains("IN:  pkts          1");
      assertThat(cmd(sw, "port/resetcounter 2")).endsWith("1000 Success");
      assertThat(cmd(sw, "port/print 2")).contains("IN:  pkts          0");
      int ep =
          sw.node().ports().stream().filter(p -> p.id() == 3).findFirst().orElseThrow().endpoint();
      assertThat(cmd(sw, "port/print 3")).contains(String.format("endpoint ID %04d", ep));
      assertThat(cmd(sw, "port/epclose 3 " + (ep + 1000)))
          .endsWith("1006 No such device or address");
      assertThat(cmd(sw, "port/epclose 3 " + ep)).endsWith("1000 Success");
      assertThat(b.awaitExit(10_000)).as("the closed endpoint's vde_plug sees EOF").isTrue();
      assertThat(a.alive()).isTrue();
    }
  }

  @Test
  void loadRunsEveryLineOfAScriptAndEchoesEachCommandWithItsReplyAsVde2Does() throws Exception {
    Path rc = tmp.resolve("rc");
    Files.writeString(
        rc,
        """
        # a vde_switch rc file
        vlan/create 10
        port/setvlan 99 10
        port/create 7
        port/setvlan 7 10
        hash/setminper 0
        """);
    try (VdeSwitch sw = start(32)) {
      String out = SwitchConsole.runScript(sw, rc);
      assertThat(out)
          .as(out)
          .contains("vde[" + rc + "]: # a vde_switch rc file\nvde[" + rc + "]: vlan/create 10\n")
          .contains("vde[" + rc + "]: port/setvlan 99 10\n1022 Invalid argument\n")
          .endsWith("vde[" + rc + "]: hash/setminper 0\n1000 Success\n1000 Success");
      assertThat(SwitchConsole.hasFailure(out)).isTrue();
      assertThat(cmd(sw, "vlan/allprint 10"))
          .as("lines after a failure still run")
          .contains("Port 0007 tagged=0");
      assertThat(cmd(sw, "hash/showinfo")).contains("Min persistence 0 secs");
      assertThat(cmd(sw, "load " + tmp.resolve("missing")))
          .isEqualTo("1002 No such file or directory");
      assertThat(cmd(sw, "load")).isEqualTo("1002 No such file or directory");
    }
  }
}
