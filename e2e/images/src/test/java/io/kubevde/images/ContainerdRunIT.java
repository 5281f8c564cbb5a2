package io.kubevde.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image archives imported into a real containerd (Debian 1.6 + runc) and run as containers,
 * with the security settings the chart gives the pods: the operator as user 65532; the agent
 * unprivileged with only NET_ADMIN, NET_RAW, SYS_ADMIN and {@code /dev/net/tun} bind-mounted as a
 * hostPath volume would be. Shows which of those privileges the agent's work needs
 * (charts/kubevde/README.md "Why these privileges"): without NET_ADMIN no tap, without SYS_ADMIN no
 * network-namespace setup. Every container has its own network namespace: nothing touches the
 * host's links.
 */
class ContainerdRunIT {
  static final Path IMAGES = Path.of(System.getProperty("kubevde.images.dir", "target/images"));
  static final String AGENT = "ghcr.io/kubevde/agent:0.1.0";
  static final List<String> AGENT_CAPS =
      List.of(
          "--cap-add", "CAP_NET_ADMIN", "--cap-add", "CAP_NET_RAW", "--cap-add", "CAP_SYS_ADMIN");
  static Containerd containerd;

  @BeforeAll
  static void start() throws Exception {
    Host.requireRoot("containerd");
    Host.requireTool("containerd", "containerd");
    Host.requireTool("ctr", "containerd");
    containerd = new Containerd();
    for (var f : List.of("kubevde-operator.tar", "kubevde-agent.tar")) {
      if (Files.exists(IMAGES.resolve(f))) {
        assertThat(containerd.ctr(List.of("images", "import", IMAGES.resolve(f).toString())))
            .contains("unpacking");
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (containerd != null) containerd.close();
  }

  @Test
  void operatorImageRunsAsItsNonRootUser() throws Exception {
    String out =
        run(
            List.of(),
            "ghcr.io/kubevde/operator:0.1.0",
            "sh",
            "-c",
            "id -u; java -jar /opt/kubevde/operator.jar --version");
    assertThat(out).contains("65532", "kubevde-operator 0.1.0");
  }

  @Test
  void unprivilegedAgentWithTheChartsCapabilitiesCreatesTapsAndPodNamespaces() throws Exception {
    requireAgentImage();
    List<String> opts = new ArrayList<>(AGENT_CAPS);
    opts.addAll(tunMount());
    String out =
        run(
            opts,
            AGENT,
            "sh",
            "-c",
            "/bin/ip tuntap add mode tap name kvtap0 && /bin/ip link set kvtap0 up"
                + " && /bin/ip -o link show kvtap0 && mkdir -p /run/netns && /bin/ip netns add kvpod"
                + " && /bin/ip -n kvpod tuntap add mode tap name net1 && /bin/ip -n kvpod -o link show net1");
    assertThat(out).contains("kvtap0:", "net1:");
  }

  @Test
  void withoutNetAdminNoTapAndWithoutSysAdminNoNamespaceSetup() throws Exception {
    requireAgentImage();
    String noCaps =
        containerd.ctrAllowingFailure(
            runArgs(
                tunMount(), AGENT, "/bin/ip", "tuntap", "add", "mode", "tap", "name", "kvtap0"));
    assertThat(noCaps).startsWith("rc!=0").contains("Operation not permitted");
    List<String> netAdminOnly = new ArrayList<>(List.of("--cap-add", "CAP_NET_ADMIN"));
    netAdminOnly.addAll(tunMount());
    String noSysAdmin =
        containerd.ctrAllowingFailure(
            runArgs(
                netAdminOnly, AGENT, "sh", "-c", "mkdir -p /run/netns && /bin/ip netns add kvpod"));
    assertThat(noSysAdmin).startsWith("rc!=0").contains("Operation not permitted");
  }

  @Test
  void installCniPutsAWorkingCniBinaryIntoTheHostDir() throws Exception {
    requireAgentImage();
    Path host = Files.createDirectories(containerd.dir().resolve("host-cni-bin"));
    Files.writeString(host.resolve("kubevde"), "old launcher");
    String out =
        run(
            List.of("--mount", "type=bind,src=" + host + ",dst=/host/opt/cni/bin,options=rbind:rw"),
            AGENT,
            "/opt/kubevde/bin/install-cni",
            "/host/opt/cni/bin");
    assertThat(out).contains("installed");
    ProcessBuilder pb = new ProcessBuilder(host.resolve("kubevde").toString());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    pb.environment().put("CNI_COMMAND", "VERSION");
    Process p = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
    p.getOutputStream().write("{\"cniVersion\":\"1.0.0\"}".getBytes());
    p.getOutputStream().close();
    assertThat(new String(p.getInputStream().readAllBytes())).contains("supportedVersions");
    assertThat(p.waitFor()).isZero();
  }

  private static void requireAgentImage() {
    assertThat(IMAGES.resolve("kubevde-agent.tar"))
        .as("e2e/images/build makes the agent image")
        .exists();
  }

  private static List<String> tunMount() {
    return List.of("--mount", "type=bind,src=/dev/net/tun,dst=/dev/net/tun,options=rbind:rw");
  }

  private static List<String> runArgs(List<String> opts, String image, String... cmd) {
    List<String> a = new ArrayList<>(List.of("run", "--rm"));
    a.addAll(opts);
    a.add(image);
    a.add("kv-" + UUID.randomUUID().toString().substring(0, 8));
    a.addAll(List.of(cmd));
    return a;
  }

  private static String run(List<String> opts, String image, String... cmd) throws Exception {
    return containerd.ctr(runArgs(opts, image, cmd));
  }
}
