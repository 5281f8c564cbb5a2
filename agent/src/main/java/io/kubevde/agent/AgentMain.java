package io.kubevde.agent;

import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.EgressSettings;
import io.kubevde.agent.dataplane.SwitchLimits;
import io.kubevde.agent.model.AgentVersion;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.vdeplug.netnode.PortLimits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The node agent's entry point (flags → {@link AgentConfig} → {@link Agent}): restores the
 * attachments of a previous run, serves the CNI binary, runs the data plane and, unless {@code
 * --standalone}, the Kubernetes side, until SIGTERM/SIGINT. Prints {@code kubevde-agent: ready} on
 * stdout once the socket listens.
 */
@Command(
    name = "kubevde-agent",
    mixinStandardHelpOptions = true,
    subcommands = {CaptureCommand.class, ConsoleCommand.class},
    version = "kubevde-agent " + AgentVersion.VERSION,
    description =
        "kubevde node agent: serves the kubevde CNI binary and runs the node's VDE data plane.")
public final class AgentMain implements Callable<Integer> {
  static { // SLF4J (slf4j-simple): level from KUBEVDE_LOG_LEVEL (trace..error, default info),
    // before any logger
    String level = System.getenv().getOrDefault("KUBEVDE_LOG_LEVEL", "");
    System.getProperties()
        .putIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level.isBlank() ? "info" : level);
    // the provider named, not searched for: SLF4J's ServiceLoader scan of every jar on the class
    // path costs ~50-300 ms of the crash path's start-up (agent/README.md "Crash path")
    System.getProperties().putIfAbsent("slf4j.provider", "org.slf4j.simple.SimpleServiceProvider");
  }

  /**
   * Default port of /healthz and /readyz: the agent runs on the host network, so not 8081 (the
   * usual health-probe port of operators, several of which run on the host network).
   */
  public static final int DEFAULT_HEALTH_PORT = 9465;

  /** Default port of /metrics: not 9090, Prometheus' own port. */
  public static final int DEFAULT_METRICS_PORT = 9464;

  @Option(names = "--cni-socket", description = "CNI socket path (default: ${DEFAULT-VALUE})")
  Path cniSocket = Path.of(AgentProtocol.DEFAULT_SOCKET);

  /** Default of {@code --state-dir}. */
  static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/kubevde");

  @Option(
      names = "--state-dir",
      description = "state directory: attachments/ and ipam/ (default: ${DEFAULT-VALUE})")
  Path stateDir = DEFAULT_STATE_DIR;

  /** The data plane {@link #main} restored before parsing, or null. */
  private EarlyStart early;

  @Option(
      names = "--run-dir",
      description =
          "run directory: rendezvous directories net/<ns>/<name> (default: ${DEFAULT-VALUE})")
  Path runDir = Path.of("/run/kubevde");

  @Option(
      names = "--device-plugin-dir",
      description =
          "kubelet's device-plugin directory (e.g. /var/lib/kubelet/device-plugins): serve one"
              + " extended resource vde.kubevde.io/<ns>.<name> per network of this node; rendezvous"
              + " sockets become 0666 (default: off)")
  Path devicePluginDir;

  @Option(
      names = "--underlay-mtu",
      description =
          "underlay MTU in bytes; taps default to it minus 50 (default: ${DEFAULT-VALUE})")
  int underlayMtu = 1500;

  @Option(
      names = "--node-name",
      defaultValue = "${env:NODE_NAME}",
      description = "this node's name (default: $NODE_NAME, else the host name)")
  String nodeName;

  @Option(
      names = "--node-address",
      defaultValue = "${env:NODE_IP}",
      description = "this node's underlay address (default: $NODE_IP)")
  String nodeAddress;

  @Option(
      names = "--uplink-interface",
      description = "interface for vxvde multicast uplinks (default: the routing table's choice)")
  String uplinkInterface;

  @Option(
      names = {"--config-namespace", "--namespace"},
      defaultValue = "${env:KUBEVDE_CONFIG_NAMESPACE:-${env:POD_NAMESPACE:-kubevde-system}}",
      description =
          "namespace of the operator's ConfigMaps (default: $KUBEVDE_CONFIG_NAMESPACE, $POD_NAMESPACE, kubevde-system)")
  String configNamespace;

  @Option(
      names = "--kubeconfig",
      description = "kubeconfig file (default: in-cluster, $KUBECONFIG, ~/.kube/config)")
  Path kubeconfig;

  @Option(
      names = "--standalone",
      description = "no Kubernetes: networks only from CNI configs (local switches)")
  boolean standalone;

  @Option(
      names = "--link-tenant-schemes",
      defaultValue = "${env:KUBEVDE_LINK_TENANT_SCHEMES}",
      description =
          "comma list of VNL schemes VdeLinks of tenant namespaces may use, * = all "
              + "(default: $KUBEVDE_LINK_TENANT_SCHEMES, else vdenetwork,vxvde,udp,vxlan,seal)")
  String linkTenantSchemes;

  @Option(
      names = "--link-system-namespaces",
      defaultValue = "${env:KUBEVDE_LINK_SYSTEM_NAMESPACES}",
      description =
          "comma list of namespaces besides the config namespace whose VdeLinks may use every scheme "
              + "(default: $KUBEVDE_LINK_SYSTEM_NAMESPACES)")
  String linkSystemNamespaces;

  @Option(
      names = "--heartbeat-seconds",
      description = "VdeNode status period in seconds (default: ${DEFAULT-VALUE})")
  int heartbeatSeconds = 10;

  @Option(
      names = "--network-wait-ms",
      description =
          "how long an ADD waits for the operator's configuration of its network before answering 11, try again (default: ${DEFAULT-VALUE})")
  long networkWaitMs = AgentConfig.DEFAULT_NETWORK_WAIT_MS;

  @Option(
      names = "--reconcile-seconds",
      description =
          "period of the attachment/address clean-up and re-attach retries (default: ${DEFAULT-VALUE})")
  int reconcileSeconds = 60;

  @Option(
      names = "--after-handover",
      description =
          "what this agent does once it handed its data plane to a new agent: exit (a process"
              + " manager starts nothing back) or wait for SIGTERM (Kubernetes: the kubelet would"
              + " restart an exited container of the old pod, which would take the data plane back;"
              + " the DaemonSet controller deletes the old pod once the new one is ready)"
              + " (default: ${DEFAULT-VALUE})")
  AfterHandover afterHandover = AfterHandover.exit;

  @Option(
      names = "--ready-file",
      description =
          "a file that exists exactly while this agent is ready (the /readyz checks), checked"
              + " every second; for an exec readiness probe that sees this container's agent, not"
              + " whichever agent holds the host port (hand-over beside a running agent)")
  Path readyFile;

  /** Values of {@code --after-handover}. */
  enum AfterHandover {
    exit,
    wait
  }

  @Option(
      names = "--health-port",
      description = "port of /healthz and /readyz, -1 = off (default: ${DEFAULT-VALUE})")
  int healthPort = DEFAULT_HEALTH_PORT;

  @Option(
      names = "--metrics-port",
      description = "port of /metrics, -1 = off (default: ${DEFAULT-VALUE})")
  int metricsPort = DEFAULT_METRICS_PORT;

  @Option(
      names = "--storm-pps",
      description =
          "storm control: broadcast, multicast and unknown-unicast frames/s each pod, link or client"
              + " port may flood, 0 = no limit (default: ${DEFAULT-VALUE})")
  long stormPps = PortLimits.DEFAULT_FLOOD_PPS;

  @Option(
      names = "--uplink-storm-pps",
      description =
          "storm control of each network's uplink port (flooded frames/s from all other nodes), 0 ="
              + " no limit (default: ${DEFAULT-VALUE})")
  long uplinkStormPps = SwitchLimits.DEFAULT_UPLINK_FLOOD_PPS;

  @Option(
      names = "--police-pps",
      description =
          "ingress policing: frames/s each pod, link or client port may send into its network, 0 ="
              + " no limit (default: ${DEFAULT-VALUE})")
  long policePps;

  @Option(
      names = "--police-bps",
      description =
          "ingress policing: bytes/s each pod, link or client port may send into its network, 0 ="
              + " no limit (default: ${DEFAULT-VALUE})")
  long policeBps;

  @Option(
      names = "--egress-deny-cidrs",
      split = ",",
      defaultValue = "${env:KUBEVDE_EGRESS_DENY_CIDRS}",
      description =
          "IPv4 CIDRs pods of egress networks may not reach through their gateway, besides"
              + " 169.254.0.0/16 (typically the cluster's pod and service CIDRs; comma list; env"
              + " KUBEVDE_EGRESS_DENY_CIDRS)")
  List<String> egressDenyCidrs = new ArrayList<>();

  @Option(
      names = "--burst-ms",
      description =
          "depth of each rate limit's token bucket, in ms of its rate (default: ${DEFAULT-VALUE})")
  int burstMs = PortLimits.DEFAULT_BURST_MS;

  /** Runs the agent; exits with its status. */
  public static void main(String[] args) {
    StartupTimeline.mark("main");
    AgentMain main = new AgentMain();
    // the crash path: the last run's data plane first, before flags, Kubernetes or metrics load
    main.early = EarlyStart.tryStart(args, DEFAULT_STATE_DIR).orElse(null);
    System.exit(new CommandLine(main).execute(args));
  }

  AgentConfig config() throws java.net.UnknownHostException {
    String node =
        nodeName == null || nodeName.isBlank()
            ? java.net.InetAddress.getLocalHost().getHostName()
            : nodeName;
    return new AgentConfig(
            cniSocket,
            stateDir,
            runDir,
            underlayMtu,
            node,
            nodeAddress == null || nodeAddress.isBlank() ? null : nodeAddress,
            uplinkInterface,
            !standalone,
            kubeconfig,
            configNamespace,
            heartbeatSeconds * 1000L,
            healthPort,
            metricsPort,
            networkWaitMs,
            reconcileSeconds * 1000L,
            linkTenantSchemes,
            linkSystemNamespaces)
        .withSwitchLimits(
            new SwitchLimits(
                new PortLimits(policePps, policeBps, stormPps, burstMs),
                new PortLimits(0, 0, uplinkStormPps, burstMs)))
        .withDevicePluginDir(devicePluginDir)
        .withEgress(new EgressSettings(egressDenyCidrs, null));
  }

  @Override
  public Integer call() throws Exception {
    StartupTimeline.mark("flags parsed");
    AgentConfig cfg = config();
    // a file left by an earlier run of this container says nothing about this one
    if (readyFile != null) java.nio.file.Files.deleteIfExists(readyFile);
    CountDownLatch stop = new CountDownLatch(1);
    DataPlane restored = early == null ? null : early.dataPlaneFor(cfg.dataPlaneSettings());
    try (Agent agent = new Agent(cfg, restored)) {
      StartupTimeline.mark("agent built");
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    agent.close();
                    stop.countDown();
                  }));
      agent.start();
      ReadyFile ready = readyFile == null ? null : ReadyFile.start(readyFile, agent::ready, 1000);
      agent
          .handedOver()
          .thenRun(
              () -> {
                boolean exit = afterHandover == AfterHandover.exit;
                System.out.println(
                    "kubevde-agent: handed over, " + (exit ? "exiting" : "waiting for SIGTERM"));
                System.out.flush();
                if (exit) stop.countDown();
              });
      System.out.println(
          "kubevde-agent: ready, node "
              + cfg.nodeName()
              + ", CNI socket "
              + cfg.cniSocket()
              + ", state "
              + cfg.stateDir()
              + ", run "
              + cfg.runDir());
      System.out.flush();
      stop.await();
      if (ready != null) ready.close();
    }
    return 0;
  }
}
