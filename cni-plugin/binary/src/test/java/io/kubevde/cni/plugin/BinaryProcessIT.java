package io.kubevde.cni.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniCommand;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packaged binary ({@code target/cni-bin/kubevde}, built by package.sh in the package phase)
 * executed the way a container runtime executes a CNI plugin: a fresh process, a minimal
 * environment (no JAVA_HOME, no JDK on the PATH), the CNI variables, the config on stdin; stdout
 * and the exit code are what the runtime reads.
 */
@SuppressWarnings("unchecked")
class BinaryProcessIT {
  private static final Path BIN =
      Path.of(System.getProperty("kubevde.cni.bin", "target/cni-bin/kubevde"));

  record Run(int exit, String stdout, String stderr) {
    Map<String, Object> json() {
      return Json.parseObject(stdout);
    }
  }

  static Run exec(Path bin, Map<String, String> cniEnv, String stdin)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(bin.toString());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
    pb.environment().putAll(cniEnv);
    Process p = pb.start();
    try (OutputStream o = p.getOutputStream()) {
      o.write(stdin.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out, err);
  }

  private static Map<String, String> env(String cmd, String netns, Path socket) {
    Map<String, String> m = new HashMap<>();
    m.put("CNI_COMMAND", cmd);
    m.put("CNI_CONTAINERID", "abcdef0123");
    m.put("CNI_NETNS", netns);
    m.put("CNI_IFNAME", "net1");
    m.put("CNI_PATH", "/opt/cni/bin");
    m.put(
        "CNI_ARGS",
        "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abcdef0123;K8S_POD_UID=u1");
    m.put(AgentProtocol.SOCKET_ENV, socket.toString());
    return m;
  }

  private static String config() {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"blue\",\"type\":\"kubevde\",\"network\":\"default/blue\"}";
  }

  private static final Path NO_AGENT = Path.of("/nonexistent/kubevde-it.sock");

  @Test
  void versionPrintsSupportedVersionsWithoutAnyJdkInstalledOnThePath() throws Exception {
    Run r = exec(BIN, Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}");
    assertThat(r.exit()).as(r.stderr()).isZero();
    assertThat(r.json()).containsEntry("cniVersion", "1.0.0");
    assertThat((List<Object>) r.json().get("supportedVersions"))
        .containsExactly("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");
    assertThat(r.stderr()).isEmpty();
  }

  @Test
  void addWithTheAgentUnreachableAsksTheRuntimeToTryAgainLater() throws Exception {
    Run r = exec(BIN, env("ADD", "/var/run/netns/whatever", NO_AGENT), config());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.json()).containsEntry("code", 11L).containsEntry("cniVersion", "1.0.0");
    assertThat(r.json().get("details").toString()).contains(NO_AGENT.toString());
  }

  @Test
  void delWithoutTheAgentSucceedsAlsoWithAnEmptyNetns() throws Exception {
    Run r = exec(BIN, env("DEL", "", NO_AGENT), config());
    assertThat(r.exit()).as(r.stdout()).isZero();
    assertThat(r.stdout()).isEmpty();
    assertThat(r.stderr()).contains("DEL without agent");
  }

  @Test
  void malformedStdinIsADecodeFailureAndMissingEnvIsCode4() throws Exception {
    Run bad =
        exec(BIN, env("ADD", "/var/run/netns/x", NO_AGENT), "{\"cniVersion\": \"1.0.0\", oops");
    assertThat(bad.exit()).isEqualTo(1);
    assertThat(bad.json()).containsEntry("code", 6L);
    Run noEnv = exec(BIN, Map.of("CNI_COMMAND", "ADD"), config());
    assertThat(noEnv.json()).containsEntry("code", 4L);
    assertThat(noEnv.json().get("msg").toString())
        .contains("CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME");
    Run oldVersion =
        exec(BIN, env("ADD", "/var/run/netns/x", NO_AGENT), config().replace("1.0.0", "0.2.0"));
    assertThat(oldVersion.json()).containsEntry("code", 1L);
    Run socketInConfig =
        exec(
            BIN,
            env("ADD", "/var/run/netns/x", NO_AGENT),
            config().replace("}", ",\"agentSocket\":\"/tmp/elsewhere.sock\"}"));
    assertThat(socketInConfig.json()).containsEntry("code", 7L);
    assertThat(socketInConfig.json().get("msg").toString()).contains("'agentSocket'");
  }

  @Test
  void addIsForwardedToTheAgentAndItsResultPrinted() throws Exception {
    String result =
        "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"net1\",\"mac\":\"02:00:00:00:00:07\","
            + "\"sandbox\":\"/var/run/netns/p\"}],\"ips\":[{\"address\":\"10.77.0.7/24\",\"interface\":0}]}";
    try (FakeAgent agent = new FakeAgent(r -> r.command() == CniCommand.ADD ? result : "{}")) {
      Run r = exec(BIN, env("ADD", "/var/run/netns/p", agent.socket), config());
      assertThat(r.exit()).as(r.stdout() + r.stderr()).isZero();
      assertThat(r.stdout()).isEqualTo(result);
      assertThat(agent.requests.getFirst().args()).containsEntry("K8S_POD_UID", "u1");
      Run del = exec(BIN, env("DEL", "/var/run/netns/p", agent.socket), config());
      assertThat(del.exit()).isZero();
      assertThat(del.stdout()).isEmpty();
      assertThat(agent.requests).hasSize(2);
    }
  }

  @Test
  void theInstalledDirectoryWorksWhenCopiedElsewhereAndCalledThroughASymlink() throws Exception {
    Path dir = Files.createTempDirectory("kvcnibin");
    try {
      copyTree(BIN.getParent(), dir.resolve("opt-cni-bin"));
      Path link = dir.resolve("kubevde-link");
      Files.createSymbolicLink(link, dir.resolve("opt-cni-bin/kubevde"));
      Run r = exec(link, Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"0.4.0\"}");
      assertThat(r.exit()).as(r.stderr()).isZero();
      assertThat(r.json()).containsEntry("cniVersion", "0.4.0");
      assertThat(r.stderr()).isEmpty();
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  @Test
  void theOptionalBurstGateLetsOnlyMaxConcurrentJvmsRun() throws Exception {
    Path dir = Files.createTempDirectory("kvcnigate");
    try (FakeAgent agent =
        new FakeAgent(
            r -> {
              try {
                Thread.sleep(3_000);
              } catch (InterruptedException ignored) {
                // closing
              }
              return "{}";
            },
            true)) {
      copyTree(BIN.getParent(), dir.resolve("bin"));
      Path bin = dir.resolve("bin/kubevde");
      Map<String, String> e = env("CHECK", "/var/run/netns/p", agent.socket);
      e.put("KUBEVDE_CNI_SLOT_DIR", dir.resolve("slots").toString());
      // without the gate both calls reach the agent at about the same time
      assertThat(gapBetweenTwoConcurrentCalls(bin, e, agent)).isLessThan(2_500);
      // with max-concurrent 1 the second JVM starts only when the first has finished
      Files.writeString(dir.resolve("bin/kubevde.d/max-concurrent"), "1\n");
      agent.acceptedNanos.clear();
      assertThat(gapBetweenTwoConcurrentCalls(bin, e, agent)).isGreaterThanOrEqualTo(2_500);
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  /** Starts two identical calls at once; returns the ms between the agent's two accepts. */
  private static long gapBetweenTwoConcurrentCalls(Path bin, Map<String, String> e, FakeAgent agent)
      throws Exception {
    String cfg = config();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
      var a = pool.submit(() -> call(bin, e, cfg));
      var b = pool.submit(() -> call(bin, e, cfg));
      assertThat(a.get().exit()).as(a.get().stdout() + a.get().stderr()).isZero();
      assertThat(b.get().exit()).as(b.get().stdout() + b.get().stderr()).isZero();
    }
    assertThat(agent.acceptedNanos).hasSize(2);
    return Math.abs(agent.acceptedNanos.get(1) - agent.acceptedNanos.get(0)) / 1_000_000;
  }

  private static Run call(Path bin, Map<String, String> e, String cfg) {
    try {
      return exec(bin, e, cfg);
    } catch (IOException | InterruptedException ex) {
      throw new IllegalStateException(ex);
    }
  }

  @Test
  void delWithoutTheAgentDeletesAKubevdeTapButNeverAForeignInterface() throws Exception {
    Host.requireRoot("network namespaces");
    try (Netns nets = new Netns("kvcit")) {
      String ns = nets.create();
      Sh.run("ip", "-n", ns, "tuntap", "add", "dev", "net1", "mode", "tap");
      Sh.run("ip", "-n", ns, "link", "set", "dev", "net1", "alias", "kubevde/blue/abcdef0123");
      Sh.run("ip", "-n", ns, "tuntap", "add", "dev", "foreign", "mode", "tap");
      String netns = Netns.path(ns);
      Run r = exec(BIN, env("DEL", netns, NO_AGENT), config());
      assertThat(r.exit()).isZero();
      assertThat(Sh.exec("ip", "-n", ns, "link", "show", "dev", "net1").exitCode()).isNotZero();
      Map<String, String> e = env("DEL", netns, NO_AGENT);
      e.put("CNI_IFNAME", "foreign");
      assertThat(exec(BIN, e, config()).exit()).isZero();
      assertThat(Sh.exec("ip", "-n", ns, "link", "show", "dev", "foreign").exitCode()).isZero();
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          Files.createDirectories(t);
        else
          Files.copy(
              p,
              t,
              java.nio.file.StandardCopyOption.COPY_ATTRIBUTES,
              java.nio.file.LinkOption.NOFOLLOW_LINKS);
      }
    }
  }
}
