package io.kubevde.agent.ipam;

import io.kubevde.agent.model.AttachmentKey;
import java.util.List;

/**
 * Cluster-wide reservations of requested (static) pod addresses: the node pools ({@link
 * IpAllocator}) make addresses unique on one node, this makes a static address unique across the
 * cluster. The Kubernetes implementation ({@code kube.KubeAddressReservations}) creates one {@code
 * VdeAddressReservation} per (network, address), whose create-if-absent the API server arbitrates;
 * {@link #NONE} (an agent without Kubernetes) reserves nothing beyond the node. Dynamic addresses
 * are not reserved here: each node hands them out only from its own block.
 */
public interface AddressReservations {

  /**
   * One reservation: which address of which network, for which attachment and pod.
   *
   * @param network the VdeNetwork {@code <namespace>/<name>}
   * @param address the address (no prefix length)
   * @param podNamespace the pod's namespace ({@code K8S_POD_NAMESPACE}), or null
   * @param podName the pod's name, or null
   * @param podUid the pod's uid ({@code K8S_POD_UID}), or null
   * @param containerId the attachment's container id
   * @param ifName the attachment's interface name
   */
  record Claim(
      String network,
      String address,
      String podNamespace,
      String podName,
      String podUid,
      String containerId,
      String ifName) {
    /**
     * @return the attachment owning the claim
     */
    public AttachmentKey.Id owner() {
      return new AttachmentKey.Id(containerId, ifName);
    }

    /**
     * @return {@code ns/name} of the pod, or {@code container <id>} without pod coordinates
     */
    public String holder() {
      return podName == null
          ? "container " + containerId
          : (podNamespace == null ? "" : podNamespace + "/") + podName;
    }
  }

  /**
   * Reserves {@code claim.address()} on {@code claim.network()} for the claim's attachment; a
   * reservation of the same attachment already there counts as made (a repeated ADD). A reservation
   * of another attachment whose pod is gone (or was replaced: another uid) is removed and taken.
   *
   * @param claim what to reserve
   * @throws io.kubevde.cni.protocol.CniError.Failure code 7 when another live attachment holds it
   *     (the message names its pod and node), 11 when the reservation cannot be made now (API
   *     unreachable), 103 when the API refuses it otherwise
   */
  void reserve(Claim claim);

  /**
   * Removes the reservation of {@code claim.address()} if the claim's attachment holds it;
   * idempotent, never throws.
   *
   * @param claim what to release
   * @return true when no reservation of that attachment is left; false when it could not be checked
   *     or deleted (API unreachable: the periodic reconcile retries)
   */
  boolean release(Claim claim);

  /**
   * @return the reservations this node made (for the reconcile: those without an attachment record
   *     are orphans)
   * @throws RuntimeException when they cannot be listed
   */
  List<Claim> mine();

  /**
   * Whether the claim's pod is proven gone: no pod of that namespace/name, or one with another uid.
   * False without pod coordinates or when it cannot be checked.
   *
   * @param claim a reservation
   * @return true when its pod no longer exists
   */
  boolean podGone(Claim claim);

  /** No cluster-wide reservations (an agent without Kubernetes): unique on the node only. */
  AddressReservations NONE =
      new AddressReservations() {
        @Override
        public void reserve(Claim claim) {}

        @Override
        public boolean release(Claim claim) {
          return true;
        }

        @Override
        public List<Claim> mine() {
          return List.of();
        }

        @Override
        public boolean podGone(Claim claim) {
          return false;
        }
      };
}
