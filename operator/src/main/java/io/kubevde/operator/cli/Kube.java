package io.kubevde.operator.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The cluster options every {@code kubectl vde} subcommand shares (a picocli mixin): {@code
 * --kubeconfig FILE}, else kubectl's own lookup.
 */
final class Kube {
  @Option(
      names = "--kubeconfig",
      paramLabel = "FILE",
      description = "kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)")
  Path kubeconfig;

  /**
   * A client for {@code --kubeconfig}, or for {@code KUBECONFIG} / {@code ~/.kube/config} / the
   * in-cluster service account, as kubectl finds them.
   *
   * @throws UncheckedIOException when the file cannot be read
   */
  KubernetesClient client() {
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
