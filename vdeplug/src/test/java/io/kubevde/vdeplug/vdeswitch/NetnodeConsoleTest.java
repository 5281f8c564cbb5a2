package io.kubevde.vdeplug.vdeswitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.NetnodeConfig;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import io.kubevde.vdeplug.testing.EthFrames;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The read-only vde-2 console of a plain netnode: what {@code kubectl vde console} users see —
 * vde_switch's session framing and formats, the node's ports and learned MACs, refusals for
 * commands that would change the switch and vde-2's 1038 for unknown ones.
 */
class NetnodeConsoleTest {

  @Test
  void portPrintAndHashPrintShowTheNodesPortsAndLearnedMacs() throws Exception {
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.inProcess());
        Plug pod = Plugs.open("null://", OpenArgs.DEFAULT)) {
      int id = node.addPort(pod, "pod abc/eth0");
      node.send(
          EthFrames.direct(EthFrames.frame(EthFrames.BROADCAST, "02:00:00:00:00:2a", 0x88b5, "x")));
      NetnodeConsole console = new NetnodeConsole(node, "demo/blue");

      assertThat(console.run("port/print"))
          .contains(String.format("Port %04d untagged_vlan=0000 ACTIVE - Unnamed Allocatable", id))
          .contains(" OUT: pkts          1")
          .contains("prog   : pod abc/eth0")
          .endsWith("1000 Success");
      assertThat(console.run("hash/print"))
          .contains("Addr: 02:00:00:00:00:2a VLAN 0000 to port: ")
          .endsWith("1000 Success");
      assertThat(console.run("hash/find 02:00:00:00:00:2b"))
          .isEqualTo("1002 No such file or directory");
      assertThat(console.run("port/print 99")).isEqualTo("1006 No such device or address");
      assertThat(console.run("showinfo")).contains("kubevde switch demo/blue");
    }
  }

  @Test
  void writeCommandsAreRefusedUnknownOnesAnswer1038AndBadArgumentsAnswer1022() throws Exception {
    try (Netnode node = Netnode.open(NetnodeKind.HUB, NetnodeConfig.inProcess())) {
      NetnodeConsole console = new NetnodeConsole(node, "demo/red");
      assertThat(console.run("shutdown")).isEqualTo("1001 Operation not permitted");
      assertThat(console.run("vlan/addport 10 1")).isEqualTo("1001 Operation not permitted");
      assertThat(console.run("fstp/print")).isEqualTo("1038 Function not implemented");
      assertThat(console.run("port/printx")).isEqualTo("1038 Function not implemented");
      assertThat(console.run("hash/find nonsense")).isEqualTo("1022 Invalid argument");
      assertThat(console.run("port/showinfo")).contains("HUB=true");
      assertThat(console.run("hash/print")).isEqualTo("1000 Success"); // a hub learns nothing
    }
  }

  @Test
  void aSessionHasVdeSwitchFramingAndSurvivesAnOverlongLine() throws Exception {
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.inProcess())) {
      String input = "x".repeat(5000) + "\n# comment\nport/showinfo\nlogout\nport/print\n";
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      new NetnodeConsole(node, "demo/blue")
          .session(new ByteArrayInputStream(input.getBytes(StandardCharsets.US_ASCII)), out);
      String text = out.toString(StandardCharsets.US_ASCII);
      assertThat(text)
          .startsWith(SwitchConsole.BANNER + "\nvde$ ")
          .contains("1022 Invalid argument\n\nvde$ ")
          .contains(
              "0000 DATA END WITH '.'\nNumports=0\nHUB=false\ncounters=true\n.\n1000 Success\n")
          .endsWith("9999 END OF SESSION\n"); // nothing after logout
    }
  }
}
