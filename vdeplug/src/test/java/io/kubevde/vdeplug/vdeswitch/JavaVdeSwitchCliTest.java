package io.kubevde.vdeplug.vdeswitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.netnode.TwoTapsOverNode;
import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The Java {@code vde_switch} CLI as a process, with C {@code vde_plug} + tap clients in two namespaces. */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class JavaVdeSwitchCliTest {

    @Test
    void cTapClientsPingAndTransferThroughTheJavaVdeSwitchCli() throws Exception {
        Requirements.assumeRootWithCTools();
        Requirements.assumeTools("iperf3", "unixterm");
        Path tmp = Proc.tempDir("kvjvsc");
        Path dir = tmp.resolve("sw");
        Path mgmt = tmp.resolve("mgmt");
        Path pid = tmp.resolve("pid");
        try (Proc sw = Proc.start("java-vde_switch", JavaCli.command("io.kubevde.vdeplug.cli.VdeSwitchMain",
                "-sock", dir.toString(), "-M", mgmt.toString(), "-p", pid.toString()))) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pid) || !sw.alive());
            sw.assertAlive();
            assertThat(Files.readString(pid).trim()).isEqualTo(Long.toString(sw.process().pid()));
            try (NetnsPair ns = NetnsPair.create();
                 TwoTapsOverNode taps = new TwoTapsOverNode(ns, "vde://" + dir + "[4]", dir.toString())) {
                taps.assertPingAndTransfer();
                String out = Sh.run("sh", "-c", "(sleep 0.3; printf 'port/print 4\\n'; sleep 0.5; printf 'shutdown\\n'; sleep 2)"
                        + " | timeout 30 unixterm " + mgmt);
                assertThat(out).contains("Port 0004 untagged_vlan=0000 ACTIVE").contains("9999 END OF SESSION");
            }
            assertThat(sw.process().waitFor(20, TimeUnit.SECONDS)).as("shutdown stops the process").isTrue();
            assertThat(sw.process().exitValue()).isZero();
            assertThat(dir).doesNotExist();
        } finally {
            Sh.exec("rm", "-rf", tmp.toString());
        }
    }
}
