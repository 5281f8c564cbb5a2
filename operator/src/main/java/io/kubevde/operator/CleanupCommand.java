package io.kubevde.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubevde.operator.uninstall.Uninstaller;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar operator.jar cleanup [options]}: removes every kubevde object before the chart
 * is uninstalled ({@link Uninstaller}; the chart's pre-delete hook Job runs it with the operator
 * image). Exit code 0 when everything is gone, 1 when a network is still in use (without {@code
 * --force}) or a step timed out. Wiring only.
 */
@Command(
    name = "cleanup",
    mixinStandardHelpOptions = true,
    description =
        "Deletes VdeLinks and VdeNetworks (waiting for the operator's finalizers), the agent "
            + "DaemonSet, the operator's and agents' Leases and the VdeNodes (helm pre-delete hook).")
public final class CleanupCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(CleanupCommand.class);

  @Option(
      names = "--namespace",
      defaultValue = "${env:KUBEVDE_NAMESPACE:-${env:POD_NAMESPACE:-kubevde-system}}",
      description = "Release namespace (default: ${DEFAULT-VALUE})")
  String namespace;

  @Option(
      names = "--agent-selector",
      required = true,
      description = "Labels of the agent DaemonSet and its pods, k=v[,k=v...]")
  String agentSelector;

  @Option(names = "--operator-deployment", description = "The operator Deployment to scale to 0")
  String operatorDeployment;

  @Option(names = "--operator-selector", description = "Labels of the operator's pods")
  String operatorSelector;

  @Option(
      names = "--lease-name",
      defaultValue = "kubevde-operator",
      description = "The operator's leader Lease (default: ${DEFAULT-VALUE})")
  String leaseName;

  @Option(
      names = "--timeout",
      defaultValue = "120",
      description = "Seconds to wait for each step (default: ${DEFAULT-VALUE})")
  long timeoutSeconds;

  @Option(
      names = "--force",
      description =
          "After the timeout, remove the finalizers of networks pods still use instead of failing")
  boolean force;

  /**
   * @return the plan these options describe
   */
  public Uninstaller.Plan plan() {
    return new Uninstaller.Plan(
        namespace,
        agentSelector,
        operatorDeployment,
        operatorSelector,
        leaseName,
        Duration.ofSeconds(timeoutSeconds),
        force);
  }

  @Override
  public Integer call() {
    Uninstaller.Plan plan = plan();
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      new Uninstaller(client, plan).run();
      return 0;
    } catch (Uninstaller.UninstallException e) {
      LOG.error("cleanup failed: {}", e.getMessage());
      return 1;
    }
  }
}
