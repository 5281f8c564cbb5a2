package io.kubevde.agent;

import io.kubevde.agent.cni.AttachmentStore;
import io.kubevde.agent.cni.CniServer;
import io.kubevde.agent.cni.IpAllocator;
import io.kubevde.agent.cni.IpTool;
import io.kubevde.agent.cni.TapAttachmentHandler;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.SwitchingAttachmentHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.util.logging.Logger;

/**
 * The node agent's core (architecture.md §6), without the command line: the data plane, the CNI server and (when
 * configured) the Kubernetes side, metrics and health endpoints. {@link #start} restores the attachments of a
 * previous run; {@link #close} stops everything but leaves the pods' taps (persistent) in place.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName());

    private final AgentConfig cfg;
    private final AttachmentStore store;
    private final DataPlane dataPlane;
    private final SwitchingAttachmentHandler handler;
    private final CniServer server;

    /** Builds the agent (nothing runs until {@link #start}). */
    public Agent(AgentConfig cfg) {
        this.cfg = cfg;
        this.store = new AttachmentStore(cfg.stateDir().resolve("attachments"));
        this.dataPlane = new DataPlane(cfg.runDir(), cfg.nodeAddress(), cfg.uplinkInterface());
        TapAttachmentHandler taps = new TapAttachmentHandler(store, new IpAllocator(cfg.stateDir().resolve("ipam")),
                new IpTool(30_000), cfg.underlayMtu() - 50);
        this.handler = new SwitchingAttachmentHandler(taps, store, dataPlane);
        this.server = new CniServer(cfg.cniSocket(), handler);
    }

    /**
     * Restores attachments (dropping stale records, re-attaching the rest), then serves the CNI socket.
     *
     * @throws IOException when the socket cannot be served
     */
    public void start() throws IOException {
        Files.createDirectories(cfg.runDir());
        int[] r = handler.restore();
        if (r[0] > 0 || r[1] > 0) LOG.info("removed " + r[0] + " stale attachment(s), re-attached " + r[1]);
        server.start();
    }

    /** The data plane. */
    public DataPlane dataPlane() {
        return dataPlane;
    }

    /** The attachment records. */
    public AttachmentStore store() {
        return store;
    }

    /** The CNI server. */
    public CniServer cniServer() {
        return server;
    }

    /** The configuration. */
    public AgentConfig config() {
        return cfg;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException | RuntimeException ignored) {
            // exiting anyway
        }
        dataPlane.close();
    }
}
