package io.kubevde.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubevde.api.net.Cidr;
import io.kubevde.operator.model.AllocationPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar operator.jar [options]}: runs the kubevde operator against the cluster of the
 * current kubeconfig ({@code KUBECONFIG}, {@code ~/.kube/config}, or the in-cluster service
 * account); {@code operator.jar cleanup} removes every kubevde object ({@link CleanupCommand}, the
 * chart's uninstall hook). Wiring only.
 */
@Command(
    name = "kubevde-operator",
    mixinStandardHelpOptions = true,
    version = "kubevde-operator 0.1.0",
    description = "Reconciles VdeNetwork and VdeLink objects (kubevde.io/v1alpha1).",
    subcommands = CleanupCommand.class)
public final class OperatorMain implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(OperatorMain.class);

  @Option(
      names = "--namespace",
      defaultValue = "${env:KUBEVDE_NAMESPACE:-${env:POD_NAMESPACE:-kubevde-system}}",
      description =
          "Namespace of the agent ConfigMaps, key Secrets and the lease (default: ${DEFAULT-VALUE})")
  String namespace;

  @Option(
      names = "--vni-range",
      defaultValue = "4096-16777215",
      description = "VNIs allocated automatically, FIRST-LAST (default: ${DEFAULT-VALUE})")
  String vniRange;

  @Option(
      names = "--group-pool",
      defaultValue = "239.77.0.0/16",
      description = "Multicast prefix groups are allocated from (default: ${DEFAULT-VALUE})")
  String groupPool;

  @Option(
      names = "--heartbeat-timeout",
      defaultValue = "60",
      description =
          "Seconds after which a silent agent " + "counts as not ready (default: ${DEFAULT-VALUE})")
  long heartbeatSeconds;

  @Option(
      names = "--leader-election",
      negatable = true,
      defaultValue = "true",
      // without it picocli 4.7 sets a true-by-default negatable option to the opposite of its
      // default when named (--leader-election -> false) and to the default when negated
      fallbackValue = "true",
      description = "Use a Lease so only one replica is active (default: ${DEFAULT-VALUE})")
  boolean leaderElection;

  @Option(names = "--lease-name", defaultValue = "kubevde-operator")
  String leaseName;

  @Option(
      names = "--http-port",
      defaultValue = "8081",
      description = "Port of /healthz, /readyz, /metrics; -1 disables (default: ${DEFAULT-VALUE})")
  int httpPort;

  @Option(
      names = "--multus",
      negatable = true,
      defaultValue = "${env:KUBEVDE_MULTUS:-true}",
      fallbackValue = "true",
      description =
          "Publish a Multus NetworkAttachmentDefinition per VdeNetwork when the NAD CRD exists "
              + "(default: ${DEFAULT-VALUE})")
  boolean multus;

  @Option(
      names = "--key-grace-period",
      defaultValue = "30",
      description =
          "Seconds between the phases of a network key rotation (add, make current, drop the old key); "
              + "every agent must see the Secret's change within it (default: ${DEFAULT-VALUE})")
  long keyGraceSeconds;

  @Option(
      names = "--underlay-cidrs",
      split = ",",
      defaultValue = "${env:KUBEVDE_UNDERLAY_CIDRS:-}",
      description =
          "The node network's CIDRs: vxvde multicast uplinks accept senders inside them instead of only"
              + " the network's node addresses (comma-separated; default: none)")
  List<String> underlayCidrs = new java.util.ArrayList<>();

  @Override
  public Integer call() throws Exception {
    String[] r = vniRange.split("-");
    OperatorConfig cfg =
        new OperatorConfig(
            namespace,
            new AllocationPolicy(
                Integer.parseInt(r[0].trim()),
                Integer.parseInt(r[1].trim()),
                Cidr.parseNetwork(groupPool)),
            Duration.ofSeconds(heartbeatSeconds),
            leaderElection,
            leaseName,
            httpPort,
            multus,
            Duration.ofSeconds(keyGraceSeconds),
            underlayCidrs == null
                ? List.of()
                : underlayCidrs.stream().map(String::strip).filter(c -> !c.isEmpty()).toList());
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch closed = new CountDownLatch(1);
    // SIGTERM: let main stop the controllers and close the client before the JVM exits
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  stop.countDown();
                  try {
                    closed.await(20, java.util.concurrent.TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "shutdown"));
    try (KubernetesClient client = new KubernetesClientBuilder().build();
        KubevdeOperator op = new KubevdeOperator(client, cfg, true)) {
      op.start();
      LOG.info(
          "kubevde-operator: running against "
              + client.getMasterUrl()
              + ", namespace "
              + namespace
              + (httpPort >= 0 ? ", http :" + op.httpPort() : ""));
      stop.await();
    } finally {
      closed.countDown();
    }
    return 0;
  }

  /**
   * @param args command line
   */
  public static void main(String[] args) {
    System.exit(new CommandLine(new OperatorMain()).execute(args));
  }
}
