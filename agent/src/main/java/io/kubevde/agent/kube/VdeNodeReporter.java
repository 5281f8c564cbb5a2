package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.LinkManager;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.api.v1alpha1.NodeAttachment;
import io.kubevde.api.v1alpha1.NodeLinkPath;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.PathState;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeSpec;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * Writes this node's VdeNode (cluster-scoped, name = node name): spec {@code address}, {@code agentVersion}; status
 * {@code networks[]} (namespace, name, ready, attachments, macTableSize), {@code attachments}, {@code attachmentList},
 * {@code links[]} (per path: state Up/Down, since, rx/tx frames and bytes), {@code macTableSize},
 * {@code lastHeartbeat} — the fields the operator's {@code NodeReports} aggregates. Called periodically (heartbeat).
 */
public final class VdeNodeReporter {
    private static final Logger LOG = Logger.getLogger(VdeNodeReporter.class.getName());

    private final KubernetesClient client;
    private final String nodeName;
    private final String address;
    private final String version;
    private final DataPlane dataPlane;
    private final LinkManager links;

    /**
     * @param client    the API client
     * @param nodeName  this node (the VdeNode name)
     * @param address   underlay address for spec.address, or null
     * @param version   agent version
     * @param dataPlane networks and attachments
     * @param links     link paths
     */
    public VdeNodeReporter(KubernetesClient client, String nodeName, String address, String version, DataPlane dataPlane,
                           LinkManager links) {
        this.client = client;
        this.nodeName = nodeName;
        this.address = address;
        this.version = version;
        this.dataPlane = dataPlane;
        this.links = links;
    }

    /** The status as of now. */
    public VdeNodeStatus status() {
        List<NodeNetwork> nets = new ArrayList<>();
        int macs = 0;
        List<AttachmentRecord> recs = dataPlane.attachments();
        for (NetworkSwitch sw : dataPlane.networks()) {
            int m = sw.node().macTableSize();
            macs += m;
            String key = sw.config().key();
            int att = (int) recs.stream().filter(r -> r.vdeNetwork().equals(key)).count();
            nets.add(new NodeNetwork(sw.config().namespace(), sw.config().name(), sw.ready(), att, m));
        }
        nets.sort(Comparator.comparing(NodeNetwork::namespace).thenComparing(NodeNetwork::name));
        List<NodeAttachment> list = new ArrayList<>();
        for (AttachmentRecord r : recs) {
            String pod = r.pod().containsKey("K8S_POD_NAME")
                    ? r.pod().getOrDefault("K8S_POD_NAMESPACE", "") + "/" + r.pod().get("K8S_POD_NAME") : null;
            list.add(new NodeAttachment(r.vdeNetwork(), pod, r.key().containerId(), r.key().ifName(), r.mac(),
                    r.ips().isEmpty() ? null : r.ips().getFirst()));
        }
        list.sort(Comparator.comparing(NodeAttachment::network).thenComparing(NodeAttachment::containerId));
        List<NodeLinkPath> paths = new ArrayList<>();
        for (LinkManager.PathState p : links.status()) {
            paths.add(new NodeLinkPath(p.namespace(), p.link(), p.path(),
                    p.up() ? PathState.UP : p.refused() != null ? PathState.REFUSED : PathState.DOWN,
                    p.since(), p.stats() == null ? null : p.stats().rxFrames(),
                    p.stats() == null ? null : p.stats().txFrames(), p.stats() == null ? null : p.stats().rxBytes(),
                    p.stats() == null ? null : p.stats().txBytes(), p.refused()));
        }
        return new VdeNodeStatus(nets, recs.size(), list, paths, macs, Instant.now().toString());
    }

    /** Creates the VdeNode if needed, fixes its spec, writes the status. Errors are logged (retried next beat). */
    public void report() {
        try {
            var res = client.resources(VdeNode.class).withName(nodeName);
            VdeNode cur = res.get();
            VdeNodeSpec spec = new VdeNodeSpec(address, version);
            if (cur == null) {
                VdeNode n = new VdeNode();
                n.setMetadata(new ObjectMetaBuilder().withName(nodeName)
                        .addToLabels("app.kubernetes.io/managed-by", "kubevde-agent").build());
                n.setSpec(spec);
                cur = client.resources(VdeNode.class).resource(n).create();
            } else if (!Objects.equals(cur.getSpec(), spec)) {
                cur.setSpec(spec);
                cur = client.resources(VdeNode.class).resource(cur).update();
            }
            cur.setStatus(status());
            client.resources(VdeNode.class).resource(cur).updateStatus();
        } catch (KubernetesClientException e) {
            LOG.warning("VdeNode " + nodeName + ": " + e.getMessage());
        }
    }
}
