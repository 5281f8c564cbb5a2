package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;

/**
 * Sees every frame that enters a {@link Netnode} (after ingress policing, before the policy routes
 * it): the capture point of {@code kubectl vde capture} and the agent's capture endpoint. Called on
 * the source port's reader thread with the node's forwarding lock held, so it must neither block
 * nor keep {@code frame}: copy what it needs and return.
 */
@FunctionalInterface
public interface FrameObserver {
  /**
   * One frame.
   *
   * @param sourcePort the port it entered through (0 = the host)
   * @param frame the Ethernet frame between position and limit, destination MAC first; neither may
   *     be moved
   */
  void observe(int sourcePort, ByteBuffer frame);
}
