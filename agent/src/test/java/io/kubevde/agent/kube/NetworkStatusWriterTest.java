package io.kubevde.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.agent.attach.NetworkStatus;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.KubeApi;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The network-status annotation written against a real kube-apiserver: another writer changing the
 * pod between kubevde's read and write (a conflict, 409) loses nothing, re-ADD replaces kubevde's
 * entry, removing the last entry removes the annotation.
 */
class NetworkStatusWriterTest {
  private static final String OTHER =
      "[{\"name\":\"other/net\",\"interface\":\"net9\",\"ips\":[\"10.1.0.9\"],\"default\":false,"
          + "\"dns\":{}}]";

  @Test
  void aConcurrentWriterLosesNothingAndKubevdeEntriesAreReplacedThenRemoved() {
    try (KubernetesClient client = KubeApi.withKubevdeCrds().client()) {
      String ns = KubeApi.newNamespace(client, "status");
      client
          .pods()
          .inNamespace(ns)
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName("p")
                  .withAnnotations(Map.of("team", "a"))
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("c")
                  .withImage("busybox")
                  .endContainer()
                  .endSpec()
                  .build())
          .create();
      KubeNetworkStatusWriter writer = new KubeNetworkStatusWriter(client);
      NetworkStatus.Entry blue =
          new NetworkStatus.Entry(ns + "/blue", "net1", List.of("10.79.0.5"), "02:77:00:00:00:05");
      AtomicInteger calls = new AtomicInteger();
      writer.update(
          ns,
          "p",
          cur -> {
            if (calls.incrementAndGet() == 1) {
              // another writer (Multus, a user) changes the pod after kubevde's read
              client
                  .pods()
                  .inNamespace(ns)
                  .withName("p")
                  .edit(
                      p -> {
                        p.getMetadata().getAnnotations().put(NetworkStatus.ANNOTATION, OTHER);
                        p.getMetadata().getAnnotations().put("team", "b");
                        return p;
                      });
            }
            return NetworkStatus.merge(
                cur, NetworkStatus.onInterfaces(List.of("net1")), List.of(blue));
          });
      assertThat(calls).as("re-read after the conflict").hasValue(2);
      Map<String, String> ann = annotations(client, ns);
      assertThat(ann).containsEntry("team", "b");
      assertThat(Json.parse(ann.get(NetworkStatus.ANNOTATION)))
          .isEqualTo(List.of(((List<?>) Json.parse(OTHER)).getFirst(), blue.toMap()));

      // re-ADD (new sandbox, new address): kubevde's entry replaced, not duplicated
      NetworkStatus.Entry again =
          new NetworkStatus.Entry(ns + "/blue", "net1", List.of("10.79.0.6"), "02:77:00:00:00:06");
      writer.update(
          ns,
          "p",
          cur ->
              NetworkStatus.merge(
                  cur, NetworkStatus.onInterfaces(List.of("net1")), List.of(again)));
      assertThat(Json.parse(annotations(client, ns).get(NetworkStatus.ANNOTATION)))
          .isEqualTo(List.of(((List<?>) Json.parse(OTHER)).getFirst(), again.toMap()));

      // DEL: only kubevde's entry goes; with the other one gone too, the annotation goes
      writer.update(
          ns,
          "p",
          cur -> NetworkStatus.merge(cur, NetworkStatus.sameAs(List.of(again)), List.of()));
      assertThat(Json.parse(annotations(client, ns).get(NetworkStatus.ANNOTATION)))
          .isEqualTo(Json.parse(OTHER));
      writer.update(ns, "p", cur -> NetworkStatus.merge(cur, m -> true, List.of()));
      assertThat(annotations(client, ns)).doesNotContainKey(NetworkStatus.ANNOTATION);
      // a pod that is gone (DEL after deletion): no error
      writer.update(ns, "gone", cur -> "[]");
    }
  }

  private static Map<String, String> annotations(KubernetesClient client, String ns) {
    return client.pods().inNamespace(ns).withName("p").get().getMetadata().getAnnotations();
  }
}
