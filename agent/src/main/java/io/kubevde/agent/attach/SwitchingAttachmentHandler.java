package io.kubevde.agent.attach;

import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.agent.model.AttachRequest;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.agent.model.IpamConfig;
import io.kubevde.agent.model.NetConf;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.cni.protocol.CniError;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The full ADD/DEL path (architecture.md §6): {@link TapAttachmentHandler} makes the persistent tap in the pod netns,
 * then the tap is opened by name there and becomes a port of its network's switch ({@link DataPlane}); DEL removes
 * the port first, then the tap. When the operator describes the network (a ConfigMap), its IPAM wins — the subnet
 * with this node's address block — and its MTU is the default; otherwise the CNI config's own {@code ipam}/{@code mtu}
 * apply; a network {@code macPrefix} gives generated MACs that prefix (a requested MAC wins). Every ADD first passes
 * {@link NamespaceAccess} (tenant isolation), before any address, record or interface is made.
 */
public final class SwitchingAttachmentHandler implements AttachmentHandler {
    private final TapAttachmentHandler taps;
    private final AttachmentStore store;
    private final DataPlane dataPlane;
    private final String nodeName;
    private final NamespaceAccess access;

    /**
     * @param taps      the netns/tap part
     * @param store     the attachment records (same store as {@code taps})
     * @param dataPlane the switches
     * @param nodeName  this node (its address block of the operator's IPAM)
     * @param access    the tenant rule every ADD must pass (pod namespace vs the network's allowed namespaces)
     */
    public SwitchingAttachmentHandler(TapAttachmentHandler taps, AttachmentStore store, DataPlane dataPlane,
            String nodeName, NamespaceAccess access) {
        this.taps = taps;
        this.store = store;
        this.dataPlane = dataPlane;
        this.nodeName = nodeName;
        this.access = access;
    }

    /** The config with the operator's IPAM and MTU when the network is known from a ConfigMap. */
    NetConf effective(NetConf conf) {
        AgentNetworkConfig net = dataPlane.network(conf.network()).filter(NetworkSwitch::fromOperator)
                .map(NetworkSwitch::config).orElse(null);
        if (net == null) return conf;
        IpamConfig ipam = IpamConfig.forNode(net, nodeName);
        if (ipam != null && conf.ipam() != null) {
            ipam = new IpamConfig(ipam.subnet(), ipam.rangeStart(), ipam.rangeEnd(), ipam.gateway(), ipam.exclude(),
                    conf.ipam().routes());
        }
        Integer mtu = conf.mtu() != null ? conf.mtu() : net.mtu() != null && net.mtu() > 0 ? net.mtu() : null;
        String mac = conf.mac();
        if (mac == null && net.macPrefix() != null && net.macPrefix().matches("(?i)[0-9a-f][26ae](:[0-9a-f]{2}){2}")) {
            byte[] b = new byte[3];
            java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
            mac = (net.macPrefix() + ":" + java.util.HexFormat.ofDelimiter(":").formatHex(b)).toLowerCase(java.util.Locale.ROOT);
        }
        return new NetConf(conf.cniVersion(), conf.name(), conf.network(), mtu, mac, conf.ips(),
                ipam != null ? ipam : conf.ipam(), conf.dns(), conf.prevResult(), conf.validAttachments(),
                conf.networkGiven());
    }

    @Override
    public Map<String, Object> add(AttachRequest req) {
        AgentNetworkConfig described = dataPlane.network(req.conf().network()).filter(NetworkSwitch::fromOperator)
                .map(NetworkSwitch::config).orElse(null);
        access.check(req.args().get("K8S_POD_NAMESPACE"), req.conf().network(), described);
        AttachRequest eff = new AttachRequest(effective(req.conf()), req.containerId(), req.netns(), req.ifName(), req.args());
        Map<String, Object> result = taps.add(eff);
        AttachmentRecord rec = store.read(eff.key());
        try {
            if (rec == null) throw new IOException("attachment record vanished");
            dataPlane.attach(rec);
        } catch (IOException | RuntimeException e) {
            try {
                taps.del(eff);
            } catch (RuntimeException ignored) {
                // the original failure is what the runtime must see
            }
            throw new CniError.Failure(new CniError(CniError.SETUP_FAILED, "cannot attach " + req.ifName()
                    + " to network " + req.conf().network(), String.valueOf(e.getMessage())));
        }
        return result;
    }

    @Override
    public void del(AttachRequest req) {
        dataPlane.detach(req.key());
        taps.del(req);
    }

    @Override
    public void check(AttachRequest req) {
        taps.check(req);
        if (dataPlane.attachments().stream().noneMatch(r -> r.key().equals(req.key()))) {
            throw new CniError.Failure(CniError.CHECK_FAILED, "interface " + req.ifName() + " is not attached to network "
                    + req.conf().network());
        }
    }

    @Override
    public void status(NetConf conf) {
        taps.status(conf);
    }

    @Override
    public void gc(NetConf conf, Set<AttachmentKey.Id> valid) {
        Set<AttachmentKey> before = new HashSet<>();
        for (AttachmentRecord r : store.list()) before.add(r.key());
        taps.gc(conf, valid);
        for (AttachmentKey k : before) if (store.read(k) == null) dataPlane.detach(k);
    }

    /**
     * Start-up: drops stale records ({@link TapAttachmentHandler#reconcile}), then re-opens every remaining tap in
     * its netns and re-attaches it to its switch.
     *
     * @return {removed, reattached}
     */
    public int[] restore() {
        int removed = taps.reconcile();
        int re = dataPlane.restore(store.list());
        return new int[] {removed, re};
    }
}
