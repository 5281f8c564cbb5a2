package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.agent.ipam.AddressReservations;
import io.kubevde.api.v1alpha1.VdeAddressReservation;
import io.kubevde.api.v1alpha1.VdeAddressReservationSpec;
import io.kubevde.cni.protocol.CniError;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link AddressReservations} in the Kubernetes API: a static address is reserved by creating the
 * {@link VdeAddressReservation} {@code <network>.<address>} in the network's namespace. The API
 * server's create-if-absent is the arbiter (two agents racing for one address: exactly one create
 * succeeds, the other gets 409 AlreadyExists), as Whereabouts' OverlappingRangeIPReservation does.
 *
 * <ul>
 *   <li>409 with the same attachment (container id + interface) in the object: a repeated ADD,
 *       made;
 *   <li>409 with another attachment whose pod is gone, or was replaced (another uid): the stale
 *       object is deleted (precondition: its uid) and the create retried;
 *   <li>409 with another live attachment: CNI error 7 naming the holder's pod and node.
 * </ul>
 *
 * When the pod lives in the network's namespace the object has an ownerReference to the Pod
 * (Kubernetes' garbage collector deletes it with the pod, also when its node is gone). A pod of
 * another namespace (admitted by {@code allowedNamespaces}) gets none — owner references across
 * namespaces are not allowed, the collector would treat it as absent and delete the object at once
 * — and is cleaned by DEL, the agent's reconcile and the stale check above. RBAC: {@code
 * vdeaddressreservations} get, list, create, delete; {@code pods} get.
 */
public final class KubeAddressReservations implements AddressReservations {
  private static final Logger LOG = LoggerFactory.getLogger(KubeAddressReservations.class);

  private final KubernetesClient client;
  private final String node;

  /**
   * @param client the agent's client
   * @param node this node's name ({@code spec.node} and the {@value
   *     VdeAddressReservation#NODE_LABEL} label of its reservations)
   */
  public KubeAddressReservations(KubernetesClient client, String node) {
    this.client = client;
    this.node = node;
  }

  @Override
  public void reserve(Claim claim) {
    String[] net = split(claim.network());
    VdeAddressReservationSpec spec = spec(claim, net[1]);
    for (int attempt = 0; attempt < 4; attempt++) {
      VdeAddressReservation want = VdeAddressReservation.of(net[0], spec);
      String uid = ownerUid(claim, net[0]);
      if (uid != null) {
        want.getMetadata()
            .setOwnerReferences(
                List.of(
                    new OwnerReferenceBuilder()
                        .withApiVersion("v1")
                        .withKind("Pod")
                        .withName(claim.podName())
                        .withUid(uid)
                        .build()));
      }
      try {
        client.resource(want).create();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) throw failure(claim, e);
      }
      VdeAddressReservation have;
      try {
        have = get(net[0], want.getMetadata().getName());
      } catch (KubernetesClientException e) {
        throw failure(claim, e);
      }
      if (have == null) continue; // deleted meanwhile: create again
      VdeAddressReservationSpec hs = have.getSpec();
      if (spec.sameAttachment(hs)) return; // a repeated ADD of this attachment
      Claim holder = claim(net[0], hs);
      if (holder != null && podGone(holder)) {
        LOG.warn(
            "address {} of network {}: reservation of pod {} (node {}) is stale (pod gone), taken"
                + " over by pod {}",
            claim.address(),
            claim.network(),
            holder.holder(),
            hs == null ? "?" : hs.node(),
            claim.holder());
        try {
          client
              .resources(VdeAddressReservation.class)
              .inNamespace(net[0])
              .withName(have.getMetadata().getName())
              .lockResourceVersion(have.getMetadata().getResourceVersion())
              .delete();
        } catch (KubernetesClientException e) {
          if (e.getCode() != HttpURLConnection.HTTP_CONFLICT
              && e.getCode() != HttpURLConnection.HTTP_NOT_FOUND) throw failure(claim, e);
        }
        continue;
      }
      throw new CniError.Failure(
          CniError.INVALID_CONFIG,
          "requested address "
              + claim.address()
              + " of network "
              + claim.network()
              + " is already reserved by pod "
              + (holder == null ? "?" : holder.holder())
              + " on node "
              + (hs == null ? "?" : hs.node())
              + " (VdeAddressReservation "
              + net[0]
              + "/"
              + have.getMetadata().getName()
              + ")");
    }
    throw new CniError.Failure(
        CniError.TRY_AGAIN_LATER,
        "cannot reserve address " + claim.address() + " of network " + claim.network() + " now");
  }

  @Override
  public boolean release(Claim claim) {
    String[] net = split(claim.network());
    String name = VdeAddressReservation.nameFor(net[1], claim.address());
    try {
      VdeAddressReservation have = get(net[0], name);
      if (have == null || !spec(claim, net[1]).sameAttachment(have.getSpec())) return true;
      client
          .resources(VdeAddressReservation.class)
          .inNamespace(net[0])
          .withName(name)
          .lockResourceVersion(have.getMetadata().getResourceVersion())
          .delete();
      return true;
    } catch (KubernetesClientException e) {
      if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) return true;
      LOG.warn(
          "cannot release reservation {}/{} of pod {} (left to the reconcile): {}",
          net[0],
          name,
          claim.holder(),
          e.getMessage());
      return false;
    }
  }

  @Override
  public List<Claim> mine() {
    List<Claim> out = new ArrayList<>();
    for (VdeAddressReservation r :
        client
            .resources(VdeAddressReservation.class)
            .inAnyNamespace()
            .withLabel(VdeAddressReservation.NODE_LABEL, VdeAddressReservation.label(node))
            .list()
            .getItems()) {
      if (r.getSpec() == null || !node.equals(r.getSpec().node())) continue;
      Claim c = claim(r.getMetadata().getNamespace(), r.getSpec());
      if (c != null) out.add(c);
    }
    return out;
  }

  @Override
  public boolean podGone(Claim claim) {
    if (claim.podNamespace() == null || claim.podName() == null) return false;
    try {
      Pod pod = client.pods().inNamespace(claim.podNamespace()).withName(claim.podName()).get();
      return pod == null
          || (claim.podUid() != null
              && !claim.podUid().isEmpty()
              && !claim.podUid().equals(pod.getMetadata().getUid()));
    } catch (KubernetesClientException e) {
      return false; // cannot tell: keep it
    }
  }

  /**
   * The pod's uid for the owner reference: only for a pod of the reservation's namespace (owner
   * references never cross namespaces); {@code K8S_POD_UID}, else read from the pod.
   */
  private String ownerUid(Claim claim, String namespace) {
    if (claim.podName() == null || !namespace.equals(claim.podNamespace())) return null;
    if (claim.podUid() != null && !claim.podUid().isEmpty()) return claim.podUid();
    try {
      Pod pod = client.pods().inNamespace(namespace).withName(claim.podName()).get();
      return pod == null ? null : pod.getMetadata().getUid();
    } catch (KubernetesClientException e) {
      return null; // no owner: DEL and the reconcile still clean it
    }
  }

  private VdeAddressReservation get(String namespace, String name) {
    return client
        .resources(VdeAddressReservation.class)
        .inNamespace(namespace)
        .withName(name)
        .get();
  }

  private VdeAddressReservationSpec spec(Claim c, String networkName) {
    return new VdeAddressReservationSpec(
        networkName,
        c.address(),
        c.podNamespace(),
        c.podName(),
        c.podUid() == null || c.podUid().isEmpty() ? null : c.podUid(),
        node,
        c.containerId(),
        c.ifName());
  }

  private static Claim claim(String namespace, VdeAddressReservationSpec s) {
    if (s == null || s.network() == null || s.address() == null || s.containerId() == null)
      return null;
    return new Claim(
        namespace + "/" + s.network(),
        s.address(),
        s.podNamespace(),
        s.podName(),
        s.podUid(),
        s.containerId(),
        Objects.requireNonNullElse(s.ifName(), ""));
  }

  /**
   * @return {namespace, name} of {@code ns/name}
   * @throws CniError.Failure 7 when the network has no namespace (cluster-wide reservations need
   *     one)
   */
  private static String[] split(String network) {
    int slash = network.indexOf('/');
    if (slash <= 0 || slash == network.length() - 1)
      throw new CniError.Failure(
          CniError.INVALID_CONFIG,
          "network " + network + " has no namespace: static addresses cannot be reserved");
    return new String[] {network.substring(0, slash), network.substring(slash + 1)};
  }

  private static CniError.Failure failure(Claim claim, KubernetesClientException e) {
    int code = e.getCode();
    // no HTTP answer (connection refused, a timeout: fabric8 reports -1 or 0), throttled, or a
    // server error: the runtime should try again, as for a DEL while the API is unreachable
    boolean later = code <= 0 || code == 429 || code >= 500;
    return new CniError.Failure(
        new CniError(
            later ? CniError.TRY_AGAIN_LATER : CniError.SETUP_FAILED,
            "cannot reserve address " + claim.address() + " of network " + claim.network(),
            String.valueOf(e.getMessage())));
  }
}
