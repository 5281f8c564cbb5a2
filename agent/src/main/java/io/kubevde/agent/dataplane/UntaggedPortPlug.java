package io.kubevde.agent.dataplane;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.OffloadPlug;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * A pod's tap as a plain port of its network's switch: a member of the network's untagged VLAN only
 * (vde_switch semantics, vde-protocols.md §9.2: a port in no VLAN). Inside the switch a frame with
 * an 802.1Q tag (TPID 0x8100) belongs to VLAN N of the access and trunk ports ({@link
 * PortVlanPlug}), so this plug keeps a plain pod out of them:
 *
 * <ul>
 *   <li>from the pod: a frame with an 802.1Q tag is dropped (counted: {@link #vlanDrops}, and
 *       {@link PlugStats#dropped} of {@link #stats}) — a pod cannot inject frames into a VLAN;
 *   <li>to the pod: a tagged frame (another VLAN's) is not passed on (counted in {@link #filtered})
 *       — a pod does not see other VLANs' floods.
 * </ul>
 *
 * Other frames pass unchanged, super-frames included: this plug is an {@link OffloadPlug} whenever
 * the tap is, so the switch still moves 64 KiB TSO frames through it (issue 14). No copy, no
 * allocation per frame.
 */
public final class UntaggedPortPlug extends WrapperPlug implements OffloadPlug, VlanEdge {
  private static final int TPID = 0x8100;

  private final OffloadPlug offload;
  private final LongAdder vlanDrops = new LongAdder();
  private final LongAdder filtered = new LongAdder();

  /**
   * @param inner the pod's tap plug (owned: closed with this one)
   */
  public UntaggedPortPlug(Plug inner) {
    super(inner);
    this.offload = inner instanceof OffloadPlug o ? o : null;
  }

  /** Tagged frames from the pod dropped (it is in no VLAN). */
  @Override
  public long vlanDrops() {
    return vlanDrops.sum();
  }

  /** Tagged frames the switch offered to the pod and this port did not pass on. */
  public long filtered() {
    return filtered.sum();
  }

  private static boolean tagged(ByteBuffer f, int p, int len) {
    return len >= 14 && (f.getShort(p + 12) & 0xFFFF) == TPID;
  }

  /** Whether the frame at the position may go to the pod; consumes it when not. */
  private boolean passOut(ByteBuffer frame) {
    if (!tagged(frame, frame.position(), frame.remaining())) return true;
    frame.position(frame.limit());
    filtered.increment();
    return false;
  }

  /** Whether the frame just received at {@code start} ({@code n} bytes) may enter the switch. */
  private int passIn(ByteBuffer frame, int start, int n) {
    if (n < MIN_FRAME || !tagged(frame, start, n)) return n;
    frame.position(start);
    vlanDrops.increment();
    stats.dropped();
    return NO_FRAME;
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    if (passOut(frame)) inner.send(frame);
  }

  @Override
  public void sendLater(ByteBuffer frame) throws IOException {
    if (passOut(frame)) inner.sendLater(frame);
  }

  @Override
  public void flush() throws IOException {
    inner.flush();
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    int start = frame.position();
    return passIn(frame, start, inner.receive(frame));
  }

  @Override
  public int receiveNow(ByteBuffer frame) throws IOException {
    int start = frame.position();
    return passIn(frame, start, inner.receiveNow(frame));
  }

  @Override
  public boolean offloadEnabled() {
    return offload != null && offload.offloadEnabled();
  }

  @Override
  public int receiveOffload(ByteBuffer frame, GsoInfo info) throws IOException {
    int start = frame.position();
    return passIn(frame, start, offload.receiveOffload(frame, info));
  }

  @Override
  public int receiveOffloadNow(ByteBuffer frame, GsoInfo info) throws IOException {
    int start = frame.position();
    return passIn(frame, start, offload.receiveOffloadNow(frame, info));
  }

  @Override
  public void sendOffload(ByteBuffer frame, GsoInfo info) throws IOException {
    if (passOut(frame)) offload.sendOffload(frame, info);
  }

  @Override
  public void sendOffloadLater(ByteBuffer frame, GsoInfo info) throws IOException {
    if (passOut(frame)) offload.sendOffloadLater(frame, info);
  }

  @Override
  public boolean takesUdpSuperFrames() {
    return offload != null && offload.takesUdpSuperFrames();
  }

  @Override
  public void peerTakesUdpSuperFrames(boolean yes) {
    if (offload != null) offload.peerTakesUdpSuperFrames(yes);
  }

  @Override
  public String toString() {
    return inner + " (untagged port)";
  }
}
