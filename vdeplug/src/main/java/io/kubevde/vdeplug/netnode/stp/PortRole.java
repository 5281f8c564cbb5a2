package io.kubevde.vdeplug.netnode.stp;

/**
 * The role of a port in the spanning tree (802.1D-2004 §17.7): edge ports (pods, hosts) take no
 * part; root ports lead to the root; designated ports serve their segment; alternate and backup
 * ports are redundant paths and are blocked.
 */
public enum PortRole {
  /** A port to a host (pod, VM): always forwards, never sends BPDUs, drops those it receives. */
  EDGE,
  /** This bridge's best path to the root. */
  ROOT,
  /** The port through which its segment reaches the root. */
  DESIGNATED,
  /** Another path to the root (blocked). */
  ALTERNATE,
  /** A second port of this bridge on the same segment (blocked). */
  BACKUP
}
