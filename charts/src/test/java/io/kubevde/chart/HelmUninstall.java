package io.kubevde.chart;

import com.marcnuri.helm.Helm;
import java.nio.file.Path;

/**
 * {@code helm uninstall RELEASE -n NAMESPACE} with helm-java, as its own process: while helm-java's
 * native Helm runs a long call (the uninstall waits for its hook Job), the fabric8 clients of the
 * same JVM stall (their requests time out although the API server answers others), so the test that
 * plays the hook's pod keeps Helm in another JVM.
 */
public final class HelmUninstall {
  private HelmUninstall() {}

  /**
   * @param a release, namespace, kubeconfig path
   */
  public static void main(String[] a) {
    String out = Helm.uninstall(a[0]).withNamespace(a[1]).withKubeConfig(Path.of(a[2])).call();
    System.out.println("helm uninstall: " + out);
  }

  /**
   * @return a started {@code java HelmUninstall} process with the test's class path
   */
  static Process start(String release, String namespace, Path kubeconfig, Path log)
      throws java.io.IOException {
    return new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED",
            "-cp",
            System.getProperty("java.class.path"),
            HelmUninstall.class.getName(),
            release,
            namespace,
            kubeconfig.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
  }
}
