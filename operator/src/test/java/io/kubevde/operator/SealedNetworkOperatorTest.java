package io.kubevde.operator;

import static io.kubevde.operator.testing.Fixtures.ready;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.api.v1alpha1.Encryption;
import io.kubevde.api.v1alpha1.EncryptionMode;
import io.kubevde.api.v1alpha1.EncryptionStatus;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.operator.model.AllocationPolicy;
import io.kubevde.operator.model.KeyRing;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.testing.RunningOperator;
import io.kubevde.testing.KubeApi;
import io.kubevde.vdeplug.vnl.Vnl;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sealed networks against a real kube-apiserver: the operator keeps one key Secret per sealed
 * network next to its ConfigMap, rotates the key in three phases on request (grace period shortened
 * to 2 s here), and deletes the Secret with the network or when the network stops being sealed.
 */
class SealedNetworkOperatorTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final Duration GRACE = Duration.ofSeconds(2);
  private static KubernetesClient client;
  private static String opNs;
  private static RunningOperator op;
  private String ns;

  @BeforeAll
  static void startOperator() {
    client = KubeApi.withKubevdeCrds().client();
    opNs = KubeApi.newNamespace(client, "kubevde-system");
    op =
        new RunningOperator(
            new OperatorConfig(
                    opNs,
                    AllocationPolicy.defaults(),
                    Duration.ofSeconds(30),
                    false,
                    "kubevde-operator",
                    -1)
                .withKeyGracePeriod(GRACE));
  }

  @AfterAll
  static void stopOperator() {
    if (op != null) op.close();
    if (client != null) client.close();
  }

  @BeforeEach
  void namespace() {
    ns = KubeApi.newNamespace(client, "sealed");
  }

  private static VdeNetworkSpec sealedSpec(Transport transport) {
    return new VdeNetworkSpec(
        transport,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        new Encryption(EncryptionMode.SEALED, "0s"));
  }

  private VdeNetwork get(String name) {
    return client.resources(VdeNetwork.class).inNamespace(ns).withName(name).get();
  }

  private Secret secret(String name) {
    return client.secrets().inNamespace(opNs).withName(Names.keySecret(ns, name)).get();
  }

  /** The key file lines of the network's Secret, e.g. {@code ["1 <b64> current", "2 <b64>"]}. */
  private List<String> keyLines(String name) {
    Secret s = secret(name);
    if (s == null) return List.of();
    String text =
        new String(
            Base64.getDecoder().decode(s.getData().get(AgentNetworkConfig.KEY_FILE_KEY)),
            StandardCharsets.UTF_8);
    return text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).toList();
  }

  @Test
  void aSealedNetworkGetsOneCurrentKeyAndAConfigThatNamesIt() throws Exception {
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "blue", sealedSpec(null)))
        .create();
    await()
        .atMost(WAIT)
        .until(() -> ready(get("blue")) && get("blue").getStatus().encryption() != null);
    List<String> lines = keyLines("blue");
    assertThat(lines).hasSize(1);
    assertThat(lines.getFirst()).matches("1 [A-Za-z0-9+/]{43}= current");
    assertThat(Base64.getDecoder().decode(lines.getFirst().split(" ")[1])).hasSize(32);
    Secret s = secret("blue");
    assertThat(s.getType()).isEqualTo("Opaque");
    assertThat(s.getMetadata().getLabels()).containsEntry(Names.LABEL_COMPONENT, "agent-key");
    assertThat(s.getMetadata().getOwnerReferences())
        .as("cross-namespace: no owner reference")
        .isNullOrEmpty();

    EncryptionStatus st = get("blue").getStatus().encryption();
    assertThat(st.secret()).isEqualTo(opNs + "/vnet-key." + ns + ".blue");
    assertThat(st.keyId()).isEqualTo(1);
    assertThat(st.phase()).isEqualTo("Stable");
    assertThat(Instant.parse(st.lastRotation())).isBefore(Instant.now().plusSeconds(1));
    assertThat(get("blue").getStatus().mtu()).as("seal's 32 bytes off the default").isEqualTo(1418);

    ConfigMap cm =
        client.configMaps().inNamespace(opNs).withName(Names.configMap(ns, "blue")).get();
    AgentNetworkConfig cfg = AgentNetworkConfigCodec.read(cm.getData().get(Names.CONFIG_KEY));
    assertThat(cfg.keySecret()).isEqualTo(Names.keySecret(ns, "blue"));
    assertThat(cfg.uplink()).as("no plain VNL for readers that do not seal").isNull();
    String vnl = cfg.uplinkDescription().toVnl(null, null, "/run/kubevde/keys/x.key");
    assertThat(Vnl.parse(vnl).scheme()).isEqualTo("seal");
    assertThat(vnl).endsWith("{vxvde://" + cfg.group() + "/port=14789/vni=" + cfg.vni() + "}");
  }

  @Test
  void aRotationRequestAddsThenSwitchesThenDropsTheOldKey() {
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "red", sealedSpec(Transport.VXVDE_UNICAST)))
        .create();
    await()
        .atMost(WAIT)
        .until(
            () ->
                keyLines("red").size() == 1
                    && get("red").getStatus() != null
                    && get("red").getStatus().encryption() != null);
    String oldKey = keyLines("red").getFirst().split(" ")[1];
    // record every distinct key file the Secret goes through
    List<List<String>> seen = new CopyOnWriteArrayList<>();
    List<Instant> at = new CopyOnWriteArrayList<>();
    Thread watcher =
        Thread.ofVirtual()
            .start(
                () -> {
                  while (!Thread.currentThread().isInterrupted()) {
                    List<String> now = keyLines("red");
                    if (seen.isEmpty() || !seen.getLast().equals(now)) {
                      seen.add(now);
                      at.add(Instant.now());
                    }
                    try {
                      Thread.sleep(50);
                    } catch (InterruptedException e) {
                      return;
                    }
                  }
                });
    try {
      client
          .resources(VdeNetwork.class)
          .inNamespace(ns)
          .withName("red")
          .edit(
              n -> {
                n.getMetadata().setAnnotations(Map.of(KeyRing.ROTATE_REQUEST, "2026-12-05T09:00"));
                return n;
              });
      await()
          .atMost(WAIT)
          .until(
              () -> {
                EncryptionStatus st = get("red").getStatus().encryption();
                return st != null
                    && st.keyId() == 2
                    && "Stable".equals(st.phase())
                    && keyLines("red").size() == 1;
              });
    } finally {
      watcher.interrupt();
    }
    try {
      watcher.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // the await saw the last phase; the 50 ms watcher may not have recorded it yet
    List<String> last = keyLines("red");
    if (!seen.getLast().equals(last)) {
      seen.add(last);
      at.add(Instant.now());
    }
    List<List<String>> phases = new ArrayList<>(seen);
    assertThat(phases).as("stable, add (old current), switch (new current), drop old").hasSize(4);
    assertThat(phases.get(0)).containsExactly("1 " + oldKey + " current");
    assertThat(phases.get(1)).hasSize(2).first().isEqualTo("1 " + oldKey + " current");
    String newKey = phases.get(1).get(1).split(" ")[1];
    assertThat(phases.get(1).get(1)).isEqualTo("2 " + newKey);
    assertThat(newKey).isNotEqualTo(oldKey);
    assertThat(phases.get(2)).containsExactly("1 " + oldKey, "2 " + newKey + " current");
    assertThat(phases.get(3)).containsExactly("2 " + newKey + " current");
    assertThat(Duration.between(at.get(1), at.get(2)))
        .as("grace between add and switch")
        .isGreaterThanOrEqualTo(GRACE.minusMillis(300));
    assertThat(Duration.between(at.get(2), at.get(3)))
        .as("grace between switch and drop")
        .isGreaterThanOrEqualTo(GRACE.minusMillis(300));
    assertThat(secret("red").getMetadata().getAnnotations())
        .containsEntry(KeyRing.ANN_HANDLED_REQUEST, "2026-12-05T09:00");
  }

  @Test
  void deletingTheNetworkOrItsSealingRemovesTheSecret() {
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "gone", sealedSpec(null)))
        .create();
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "plain", sealedSpec(null)))
        .create();
    await().atMost(WAIT).until(() -> secret("gone") != null && secret("plain") != null);

    client.resources(VdeNetwork.class).inNamespace(ns).withName("gone").delete();
    await().atMost(WAIT).until(() -> secret("gone") == null && get("gone") == null);

    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .withName("plain")
        .edit(
            n -> {
              n.setSpec(
                  new VdeNetworkSpec(
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      null,
                      new Encryption(EncryptionMode.NONE, null)));
              return n;
            });
    await()
        .atMost(WAIT)
        .until(
            () ->
                secret("plain") == null
                    && ready(get("plain"))
                    && get("plain").getStatus().encryption() == null);
    ConfigMap cm =
        client.configMaps().inNamespace(opNs).withName(Names.configMap(ns, "plain")).get();
    AgentNetworkConfig cfg = AgentNetworkConfigCodec.read(cm.getData().get(Names.CONFIG_KEY));
    assertThat(cfg.sealed()).isFalse();
    assertThat(cfg.uplink()).startsWith("vxvde://");
  }
}
