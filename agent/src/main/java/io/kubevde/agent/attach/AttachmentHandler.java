package io.kubevde.agent.attach;

import io.kubevde.agent.model.AttachRequest;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.NetConf;
import java.util.Map;
import java.util.Set;

/**
 * What the agent does for each CNI command (architecture.md §6): the CNI server ({@code
 * cni.CniServer}) validates a request and calls one method. Implementations must be thread-safe:
 * the runtime runs different containers in parallel (only one operation per container at a time, GC
 * exclusive with ADD/DEL; k8s-conventions.md §1.1).
 */
public interface AttachmentHandler {
  /**
   * ADD: creates {@code ifName} in the pod netns and returns the CNI result in the request's
   * version, chained after {@code prevResult} when there is one (CNI SPEC 1.1.0 "Success").
   *
   * @throws io.kubevde.cni.protocol.CniError.Failure with the CNI error to answer
   */
  Map<String, Object> add(AttachRequest req);

  /** DEL: idempotent, best effort; succeeds when nothing is left (no record, no netns). */
  void del(AttachRequest req);

  /**
   * CHECK: verifies what ADD did (interface present in the netns, kubevde tap, MAC and addresses).
   *
   * @throws io.kubevde.cni.protocol.CniError.Failure code 3 for an unknown attachment, 101 for a
   *     mismatch
   */
  void check(AttachRequest req);

  /**
   * STATUS: returns normally when ADD can be served.
   *
   * @throws io.kubevde.cni.protocol.CniError.Failure code 50 when not
   */
  void status(NetConf conf);

  /**
   * GC: removes the attachments of network {@code conf.name()} whose (containerID, ifname) is not
   * in {@code valid}, as DEL would; continues on errors.
   */
  void gc(NetConf conf, Set<AttachmentKey.Id> valid);
}
