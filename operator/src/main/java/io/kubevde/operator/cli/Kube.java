package io.kubevde.operator.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The client of {@code kubectl vde}: {@code --kubeconfig FILE}, else kubectl's own lookup. */
final class Kube {
  private Kube() {}

  /**
   * A client for {@code kubeconfig}, or (null) for {@code KUBECONFIG} / {@code ~/.kube/config} /
   * the in-cluster service account, as kubectl finds them.
   *
   * @throws UncheckedIOException when the file cannot be read
   */
  static KubernetesClient client(Path kubeconfig) {
    if (kubeconfig == null) return new KubernetesClientBuilder().build();
    try {
      return new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read kubeconfig " + kubeconfig, e);
    }
  }
}
