package io.kubevde.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.agent.attach.AttachmentStore;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.KubeApi;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attachments kept across an agent restart whose tap cannot be re-attached are surfaced (issue 12
 * point 5): a real agent against a real kube-apiserver, records of the last run in its state dir
 * pointing at real network namespaces whose taps are missing. The VdeNode gets {@code
 * AttachmentsHealthy=False} naming the count and the pods, written once (not at every heartbeat);
 * the metrics count them; when the taps are back the retried re-attach succeeds and the condition
 * flips to {@code True}.
 */
class AttachmentHealthTest {
  private Path dir;
  private Netns netns;
  private KubernetesClient client;
  private String ns;
  private final String node = "health-" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    dir = Files.createTempDirectory("kvhealth");
    netns = new Netns("kvhl");
    Files.writeString(dir.resolve("kubeconfig"), KubeApi.withKubevdeCrds().kubeConfigYaml());
    client = KubeApi.withKubevdeCrds().client();
    ns = KubeApi.newNamespace(client, "health");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (netns != null) netns.close();
    if (client != null) client.close();
    Dirs.deleteTree(dir);
  }

  private VdeNode vdeNode() {
    return client.resources(VdeNode.class).withName(node).get();
  }

  private static Condition healthy(VdeNode n) {
    if (n == null || n.getStatus() == null || n.getStatus().conditions() == null) return null;
    return n.getStatus().conditions().stream()
        .filter(c -> VdeNodeStatus.ATTACHMENTS_HEALTHY.equals(c.getType()))
        .findFirst()
        .orElse(null);
  }

  private static double metric(String scrape, String prefix) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void attachmentsThatCannotBeReattachedAfterARestartAreReportedUntilTheyAre() throws Exception {
    AgentConfig cfg =
        AgentConfig.standalone(dir, node).withKubernetes(dir.resolve("kubeconfig"), ns, 500);
    // the last run's records: two pods whose netns exist but whose taps cannot be opened now
    AttachmentStore store = new AttachmentStore(cfg.stateDir().resolve("attachments"));
    String[] pods = {netns.create(), netns.create()};
    for (int i = 0; i < pods.length; i++) {
      store.write(
          new AttachmentRecord(
              new AttachmentKey(ns + "/blue", "c" + i, "net1"),
              ns + "/blue",
              Netns.path(pods[i]),
              "02:00:00:00:00:0" + (i + 1),
              1450,
              List.of(),
              Map.of("K8S_POD_NAMESPACE", ns, "K8S_POD_NAME", "pod-" + i),
              0,
              "ready",
              Map.of()));
    }
    try (Agent agent = new Agent(cfg)) {
      agent.start();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> healthy(vdeNode()) != null && "False".equals(healthy(vdeNode()).getStatus()));
      VdeNode failing = vdeNode();
      Condition c = healthy(failing);
      assertThat(c.getReason()).isEqualTo("ReattachFailing");
      assertThat(c.getMessage())
          .startsWith("2 attachment(s) not on their switch")
          .contains(ns + "/pod-0 (net1)", ns + "/pod-1 (net1)");
      assertThat(store.list()).as("records kept: their netns exist").hasSize(2);
      String scrape = agent.metrics().scrape();
      assertThat(metric(scrape, "vde_attachments_unattached{")).isEqualTo(2.0);
      assertThat(metric(scrape, "vde_attachment_reattach_failures_total{")).isEqualTo(2.0);

      // written when it changes only: heartbeats (every 500 ms) leave the VdeNode alone
      Thread.sleep(2_500);
      assertThat(vdeNode().getMetadata().getResourceVersion())
          .isEqualTo(failing.getMetadata().getResourceVersion());

      // a retry that fails again (backoff 1 s) counts, the condition stays as it was
      Thread.sleep(1_100);
      agent.reconcileNow();
      assertThat(metric(agent.metrics().scrape(), "vde_attachment_reattach_failures_total{"))
          .isEqualTo(4.0);

      // the taps are back: the retry re-attaches them and the condition flips
      for (String p : pods) {
        Sh.run("ip", "-n", p, "tuntap", "add", "dev", "net1", "mode", "tap");
        // TapDevice.attach finds the interface through java.net.NetworkInterface (IPv4 listed)
        Sh.run("ip", "-n", p, "addr", "add", "10.77.61.5/24", "dev", "net1");
      }
      Thread.sleep(2_100); // the second failure's backoff
      assertThat(agent.reconcileNow()).containsExactly(0, 2);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> "True".equals(healthy(vdeNode()).getStatus()));
      Condition ok = healthy(vdeNode());
      assertThat(ok.getReason()).isEqualTo("AllAttached");
      assertThat(Instant.parse(ok.getLastTransitionTime()))
          .isAfter(Instant.parse(c.getLastTransitionTime()));
      assertThat(vdeNode().getStatus().attachments()).isEqualTo(2);
      scrape = agent.metrics().scrape();
      assertThat(metric(scrape, "vde_attachments_unattached{")).isZero();
      assertThat(metric(scrape, "vde_attachment_reattach_failures_total{")).isEqualTo(4.0);
    }
  }
}
