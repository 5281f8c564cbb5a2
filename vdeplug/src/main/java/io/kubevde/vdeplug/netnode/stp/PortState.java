package io.kubevde.vdeplug.netnode.stp;

/** The forwarding state of a port (802.1D-2004 §17.4): only FORWARDING passes data frames. */
public enum PortState {
  /** Drops data frames (blocked, or waiting for its forward delay). */
  DISCARDING,
  /** Still drops data frames; forwards after one more forward delay. */
  LEARNING,
  /** Passes data frames. */
  FORWARDING
}
