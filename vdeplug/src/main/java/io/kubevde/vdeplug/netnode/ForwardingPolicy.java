package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;

/**
 * Where a frame entering a {@link Netnode} goes: the only part that differs between hub, switch,
 * multi and bonding (vde-protocols.md §6.2, §7). Called by the engine with its forwarding lock
 * held, so implementations need no synchronisation of their own; they must not allocate per frame
 * and must not move {@code frame}'s position.
 */
public interface ForwardingPolicy {

  /**
   * Routes one frame (at least 14 bytes, between position and limit) that entered through {@code
   * source}: calls {@link NetnodePort#deliver} on each destination.
   *
   * @param source the port the frame came from ({@code host} when the node's own plug sent it)
   * @param ports the current non-host ports, in attachment order (do not modify)
   * @param host the host port (the node's own plug)
   */
  void forward(NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host);

  /** Forgets everything learned about {@code port} (called when it leaves). */
  default void portRemoved(NetnodePort port) {}

  /**
   * Forgets the MAC addresses learned on {@code port} (a spanning-tree topology change; the port
   * stays). Default: nothing (policies that do not learn).
   */
  default void flushPort(NetnodePort port) {}

  /**
   * Whether several clients may share one port number (vde_switch "cables": a client requesting a
   * port that is in use becomes another endpoint of it, vde-protocols.md §9.2). Default false:
   * netnodes give every client its own id.
   */
  default boolean sharesPortNumbers() {
    return false;
  }

  /**
   * Chooses the port number of a new {@code vde://} client (vde-protocols.md §3.5 step 3, §9.2):
   * called by the rendezvous with the engine's lock held. The default ({@code -1}) lets the engine
   * choose (the requested number when free or shared, else the lowest free one).
   *
   * @param requested the port number the client asked for (0 = any)
   * @param client who is asking (owner of the client's socket)
   * @param active whether a port number currently has at least one endpoint
   * @return the port number (&ge; 1), or -1 for the engine's default choice
   * @throws PortRefusedException when the client may not have a port (the connection is closed)
   */
  default int admit(int requested, ClientIdentity client, java.util.function.IntPredicate active)
      throws PortRefusedException {
    return -1;
  }

  /** How often the engine calls {@link #tick}, in ms; 0 (the default) = never. */
  default long tickMillis() {
    return 0;
  }

  /**
   * Periodic work (e.g. bonding heartbeats), called every {@link #tickMillis()} ms with the
   * forwarding lock held.
   */
  default void tick(NetnodePort[] ports, NetnodePort host) {}

  /**
   * Times a learned MAC moved to another port ({@link MacTable#moves}; 0 for policies that do not
   * learn).
   */
  default long macMoves() {
    return 0;
  }

  /** Live MAC table entries (0 for policies that do not learn). */
  default int macTableSize() {
    return 0;
  }

  /**
   * A snapshot of the learned MAC table, {@code MacTable.key(mac, vlan) -> port id}, for consoles
   * ({@code hash/print}); empty for policies that do not learn.
   */
  default java.util.Map<Long, Integer> macEntries() {
    return java.util.Map.of();
  }
}
