package io.kubevde.agent;

import io.kubevde.agent.cni.AttachmentStore;
import io.kubevde.agent.cni.CniServer;
import io.kubevde.agent.cni.IpAllocator;
import io.kubevde.agent.cni.IpTool;
import io.kubevde.agent.cni.TapAttachmentHandler;
import io.kubevde.cni.protocol.AgentProtocol;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The node agent's entry point (wiring only): cleans stale attachment records, then serves the CNI binary on the
 * agent socket until SIGTERM/SIGINT. Prints {@code kubevde-agent: ready} on stdout once the socket listens.
 */
@Command(name = "kubevde-agent", mixinStandardHelpOptions = true, version = "kubevde-agent 0.1.0",
        description = "kubevde node agent: serves the kubevde CNI binary and runs the node's VDE data plane.")
public final class AgentMain implements Callable<Integer> {
    @Option(names = "--cni-socket", description = "CNI socket path (default: ${DEFAULT-VALUE})")
    Path cniSocket = Path.of(AgentProtocol.DEFAULT_SOCKET);

    @Option(names = "--state-dir", description = "state directory: attachments/ and ipam/ (default: ${DEFAULT-VALUE})")
    Path stateDir = Path.of("/var/lib/kubevde");

    @Option(names = "--underlay-mtu", description = "underlay MTU in bytes; taps default to it minus 50 (default: ${DEFAULT-VALUE})")
    int underlayMtu = 1500;

    /** Runs the agent; exits with its status. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new AgentMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        AttachmentStore store = new AttachmentStore(stateDir.resolve("attachments"));
        TapAttachmentHandler handler = new TapAttachmentHandler(store, new IpAllocator(stateDir.resolve("ipam")),
                new IpTool(30_000), underlayMtu - 50);
        int cleaned = handler.reconcile();
        if (cleaned > 0) System.err.println("kubevde-agent: removed " + cleaned + " stale attachment record(s)");
        CountDownLatch stop = new CountDownLatch(1);
        try (CniServer server = new CniServer(cniSocket, handler)) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (Exception ignored) {
                    // exiting anyway
                }
                stop.countDown();
            }));
            server.start();
            System.out.println("kubevde-agent: ready, CNI socket " + cniSocket + ", state " + stateDir);
            System.out.flush();
            stop.await();
        }
        return 0;
    }
}
