package io.kubevde.vdeplug.netnode;

/**
 * Who a {@code vde://} client is, as vde_switch judges it (vde-protocols.md §3.5 step 2): the owner
 * of the client's data socket file. {@code -1} when unknown (an in-process port).
 *
 * @param uid the socket file's owner uid
 * @param gid the socket file's group id
 */
public record ClientIdentity(int uid, int gid) {
  /** An in-process port: no owner. */
  public static final ClientIdentity NONE = new ClientIdentity(-1, -1);

  /** Whether this is root (uid 0), which every access rule admits. */
  public boolean root() {
    return uid == 0;
  }
}
