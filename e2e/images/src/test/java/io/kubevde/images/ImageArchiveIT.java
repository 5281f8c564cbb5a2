package io.kubevde.images;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image archives e2e/images/build wrote in the package phase: manifest and config (tags,
 * entrypoint, user), the files the layers carry, and (as root) the entrypoints actually run from
 * the unpacked root file system in a private mount + PID namespace (chroot with its own /proc), as
 * a container runtime would start them.
 */
class ImageArchiveIT {
  static final Path IMAGES = Path.of(System.getProperty("kubevde.images.dir", "target/images"));
  @TempDir Path tmp;

  @Test
  void operatorImageRunsTheOperatorJarAsNonRoot() throws Exception {
    ImageArchive img = ImageArchive.open(IMAGES.resolve("kubevde-operator.tar"), dir("operator"));
    assertThat(img.repoTags()).containsExactly("ghcr.io/kubevde/operator:0.1.0");
    assertThat(img.entrypoint()).containsExactly("java", "-jar", "/opt/kubevde/operator.jar");
    assertThat(img.config().path("config").path("User").asText()).isEqualTo("65532:65532");
    assertThat(img.config().path("architecture").asText()).isEqualTo("amd64");
    assertThat(img.files())
        .contains("opt/kubevde/operator.jar", "opt/java/bin/java", "etc/passwd", "tmp");
    Path rootfs = tmp.resolve("operator-rootfs");
    img.unpack(rootfs);
    assertThat(Files.readString(rootfs.resolve("etc/passwd"))).contains(":65532:65532:");
    String help = runInImage(img, rootfs, "65532", "--help");
    assertThat(help).contains("--[no-]multus", "leader-election", "--underlay-cidrs", "cleanup");
  }

  @Test
  void agentImageCarriesTheAgentTheCniBinaryAndItsInstaller() throws Exception {
    ImageArchive img = ImageArchive.open(IMAGES.resolve("kubevde-agent.tar"), dir("agent"));
    assertThat(img.repoTags()).containsExactly("ghcr.io/kubevde/agent:0.1.0");
    assertThat(img.entrypoint()).containsExactly("/opt/kubevde/bin/agent");
    assertThat(img.files())
        .contains(
            "opt/kubevde/bin/install-cni",
            "opt/kubevde/bin/kubevde-agent",
            "opt/kubevde/bin/agent",
            "opt/kubevde/agent.aot",
            "opt/kubevde/cni/kubevde",
            "opt/kubevde/cni/kubevde.d/runtime/bin/java",
            "bin/ip",
            "bin/busybox",
            "opt/java/bin/java");
    assertThat(img.files())
        .anySatisfy(f -> assertThat(f).matches("opt/kubevde/lib/agent-.*\\.jar"));
    Path rootfs = tmp.resolve("agent-rootfs");
    img.unpack(rootfs);
    // the agent's own entrypoint starts (picocli usage), and iproute2 runs from the image's
    // libraries
    assertThat(runInImage(img, rootfs, "0", "--help")).contains("kubevde-agent");
    // the crash path's AOT cache fits the image's runtime, class path and jars: with AOTMode=on the
    // JVM refuses to start otherwise (agent/README.md "Crash path")
    assertThat(
            chroot(
                img,
                rootfs,
                "0",
                List.of(
                    "/bin/sh",
                    "-c",
                    "JAVA_TOOL_OPTIONS='-XX:AOTMode=on -XX:+UseSerialGC -Xms16m -Xmx64m -Xss256k"
                        + " -XX:ReservedCodeCacheSize=32m -XX:MaxDirectMemorySize=96m"
                        + " -XX:-UsePerfData -XX:TrimNativeHeapInterval=1000'"
                        + " exec /opt/kubevde/bin/agent --help")))
        .contains("kubevde-agent");
    assertThat(chroot(img, rootfs, "0", List.of("/bin/ip", "-V"))).contains("iproute2");
    // nft for the egress rules (agent/README.md "Egress")
    assertThat(chroot(img, rootfs, "0", List.of("/usr/sbin/nft", "--version")))
        .contains("nftables");
    // the agent's CLI for `kubectl exec` (capture), on the PATH
    assertThat(
            chroot(img, rootfs, "0", List.of("/usr/local/bin/kubevde-agent", "capture", "--help")))
        .contains("pcapng", "--pod");
    // external links (VdeLink cmd://ssh HOST vde_plug …): the OpenSSH client runs from the image's
    // libraries and reads the chart's key mount (agent.links.sshKeySecret), never prompting;
    // Debian's
    // vde_plug runs, with its plugins. ssh opens /dev/null, which a container runtime provides
    ImageArchive.run(
        List.of("mknod", "-m", "666", rootfs.resolve("dev/null").toString(), "c", "1", "3"));
    assertThat(chroot(img, rootfs, "0", List.of("/usr/bin/ssh", "-G", "lab")))
        .contains(
            "batchmode yes",
            "identityfile /etc/kubevde/ssh/id_ed25519",
            "userknownhostsfile /etc/kubevde/ssh/known_hosts");
    assertThat(
            chroot(
                img,
                rootfs,
                "0",
                List.of("/bin/sh", "-c", "/usr/bin/vde_plug --help 2>&1; exit 0")))
        .as("usage, not a loader error")
        .contains("vde_plug_url");
    assertThat(img.files())
        .anySatisfy(f -> assertThat(f).matches("usr/lib/.*/vdeplug/libvdeplug_vde\\.so"))
        .anySatisfy(f -> assertThat(f).matches("usr/lib/.*/vdeplug/libvdeplug_cmd\\.so"));
    // the initContainer's command, exactly as the chart's DaemonSet gives it, into a "host" dir
    Files.createDirectories(rootfs.resolve("host/opt/cni/bin"));
    Files.writeString(rootfs.resolve("host/opt/cni/bin/kubevde"), "old launcher");
    assertThat(
            chroot(img, rootfs, "0", List.of("/opt/kubevde/bin/install-cni", "/host/opt/cni/bin")))
        .contains("installed");
    Path installed = rootfs.resolve("host/opt/cni/bin");
    try (var s = Files.list(installed)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList())
          .containsExactlyInAnyOrder("kubevde", "kubevde.d");
    }
    // the installed CNI binary works on the host, outside the image, with no JDK on the PATH (CNI
    // VERSION)
    ProcessBuilder pb = new ProcessBuilder(installed.resolve("kubevde").toString());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    pb.environment().put("CNI_COMMAND", "VERSION");
    Process p = pb.redirectError(ProcessBuilder.Redirect.DISCARD).start();
    p.getOutputStream().write("{\"cniVersion\":\"1.1.0\"}".getBytes());
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).isZero();
    assertThat(out).contains("\"supportedVersions\"", "1.1.0");
  }

  private Path dir(String name) throws Exception {
    return Files.createDirectories(tmp.resolve(name));
  }

  /**
   * Runs the image's entrypoint + args in the unpacked root file system, with the image's
   * environment.
   */
  private static String runInImage(ImageArchive img, Path rootfs, String uid, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>(img.entrypoint());
    cmd.addAll(List.of(args));
    return chroot(img, rootfs, uid, cmd);
  }

  private static String chroot(ImageArchive img, Path rootfs, String uid, List<String> cmd)
      throws Exception {
    Host.requireRoot("chroot and unshare");
    List<String> full =
        new ArrayList<>(
            List.of(
                "unshare",
                "--mount",
                "--pid",
                "--fork",
                "--mount-proc=" + rootfs.resolve("proc"),
                "env",
                "-i"));
    full.addAll(img.env());
    full.addAll(List.of("chroot", "--userspec=" + uid + ":" + uid, rootfs.toString()));
    // runc resolves a relative entrypoint through the image's PATH: do the same
    List<String> c = new ArrayList<>(cmd);
    if (!c.getFirst().startsWith("/")) c.set(0, "/opt/java/bin/" + c.getFirst());
    full.addAll(c);
    return ImageArchive.run(full);
  }
}
