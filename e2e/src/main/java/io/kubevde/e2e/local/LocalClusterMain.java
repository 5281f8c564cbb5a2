package io.kubevde.e2e.local;

import java.nio.file.Path;
import java.util.List;

/**
 * The README's main job (run by {@code e2e/demo}): brings up a two-node local cluster with no
 * configuration, applies {@code e2e/examples/blue.yaml}, shows {@code kubectl get vnet,vdenodes},
 * attaches one pod per node through the CNI binary, pings across nodes, and tears everything down
 * at the end or on Ctrl-C. Options: {@code --hold} keeps the cluster up until Ctrl-C (prints the
 * KUBECONFIG to use). Exit code 0 only when the cross-node ping had 0 % loss.
 */
public final class LocalClusterMain {
  private LocalClusterMain() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    boolean hold = List.of(args).contains("--hold");
    LocalCluster[] ref = new LocalCluster[1];
    Thread hook =
        new Thread(
            () -> {
              if (ref[0] != null) {
                System.out.println(
                    "==> tearing down (processes, network namespaces, bridge, temp dir)");
                ref[0].close();
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    int rc;
    try (LocalCluster c = LocalCluster.start(2, System.out)) {
      ref[0] = c;
      rc = demo(c);
      if (hold) {
        System.out.println(
            "==> holding; use: kubectl --kubeconfig "
                + c.controlPlane().kubeconfig()
                + " get vnet,vdenodes   (Ctrl-C to stop)");
        Thread.currentThread().join();
      }
      System.out.println("==> tearing down (processes, network namespaces, bridge, temp dir)");
      ref[0] = null;
    }
    Runtime.getRuntime().removeShutdownHook(hook);
    System.exit(rc);
  }

  private static int demo(LocalCluster c) {
    Path ex = c.repo().examples().resolve("blue.yaml");
    show(c, "apply", "-f", ex.toString());
    System.out.println("==> waiting for the operator: VdeNetwork default/blue Ready");
    Cmd.Result w =
        c.kubectlResult(
            null, "wait", "--for=condition=Ready", "--timeout=90s", "vnet/blue", "-n", "default");
    System.out.print(w.out() + w.err());
    String config = c.nadConfig("default", "blue", 60_000);
    System.out.println(
        "==> network config from the NetworkAttachmentDefinition (what Multus passes): " + config);
    LocalPod a = c.pod(c.node(1), "default", "pod-a");
    LocalPod b = c.pod(c.node(2), "default", "pod-b");
    for (LocalPod p : List.of(a, b)) {
      System.out.println(
          "==> CNI ADD "
              + p.name()
              + " on "
              + p.node().name()
              + " (CNI_NETNS="
              + p.netnsPath()
              + ", CNI_IFNAME=net1)");
      LocalPod.CniCall r = p.add(config, "net1");
      System.out.println(
          "    exit "
              + r.exit()
              + " in "
              + r.millis()
              + " ms: "
              + r.stdout().strip()
              + (r.stderr().isBlank() ? "" : " / " + r.stderr().strip()));
      if (r.exit() != 0) return 1;
      System.out.print(p.exec("ip", "-br", "addr", "show", "net1").out());
    }
    show(c, "get", "vnet,vdenodes", "-A");
    List<String> ips = b.ipv4("net1");
    if (ips.isEmpty()) {
      System.out.println(
          "==> pod-b's net1 has no IPv4 address (the agent does not hand out the network's "
              + "addresses yet): no ping");
      return 1;
    }
    System.out.println("==> ping from pod-a (node-1) to pod-b (node-2) at " + ips.getFirst());
    Cmd.Result ping = a.exec("ping", "-c", "5", "-i", "0.2", "-W", "2", ips.getFirst());
    System.out.print(ping.out());
    System.out.println(
        "==> waiting (up to 30 s) for the agents' next VdeNode heartbeat to report the attachments");
    long end = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < end) {
      Cmd.Result r =
          c.kubectlResult(null, "get", "vdenodes", "-o", "jsonpath={.items[*].status.attachments}");
      if (r.ok() && r.out().trim().equals("1 1")) break;
      ControlPlane.sleep(1000);
    }
    show(c, "get", "vnet,vdenodes", "-A");
    return ping.ok() && ping.out().contains(" 0% packet loss") ? 0 : 1;
  }

  private static void show(LocalCluster c, String... args) {
    System.out.println("    $ kubectl " + String.join(" ", args));
    Cmd.Result r = c.kubectlResult(null, args);
    System.out.print(r.out() + r.err());
  }
}
