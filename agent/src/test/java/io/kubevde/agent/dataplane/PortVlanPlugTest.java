package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.model.PortVlans;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The pod edge of access and trunk ports: which frames pass, with which tag, and what is counted.
 */
class PortVlanPlugTest {
  private static final String DST = "ffffffffffff";
  private static final String SRC = "020000000001";
  private static final String PAYLOAD = "0800" + "45".repeat(46);

  /** The pod's side of a tap: frames the pod sends queue up, frames the switch sends are kept. */
  private static final class PodSide implements Plug {
    final Queue<byte[]> fromPod = new ArrayDeque<>();
    final List<String> toPod = new ArrayList<>();

    @Override
    public void send(ByteBuffer frame) {
      byte[] b = new byte[frame.remaining()];
      frame.get(b);
      toPod.add(HexFormat.of().formatHex(b));
    }

    @Override
    public int receive(ByteBuffer frame) {
      byte[] b = fromPod.poll();
      if (b == null) return CLOSED;
      frame.put(b);
      return b.length;
    }

    @Override
    public PlugStats stats() {
      return new PlugStats();
    }

    @Override
    public void close() {}
  }

  private static String tagged(int vid) {
    return DST + SRC + "8100" + "%04x".formatted(vid) + PAYLOAD;
  }

  private static final String UNTAGGED = DST + SRC + PAYLOAD;

  /** What the switch gets from {@code frames} sent by the pod (null = dropped). */
  private static List<String> fromPod(PortVlanPlug plug, PodSide pod, String... frames)
      throws Exception {
    List<String> out = new ArrayList<>();
    for (String f : frames) {
      pod.fromPod.add(HexFormat.of().parseHex(f));
      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME + 2);
      int n = plug.receive(buf);
      assertThat(buf.position()).isEqualTo(n);
      buf.flip();
      byte[] b = new byte[buf.remaining()];
      buf.get(b);
      out.add(n == Plug.NO_FRAME ? null : HexFormat.of().formatHex(b));
    }
    return out;
  }

  private static List<String> toPod(PortVlanPlug plug, PodSide pod, String... frames)
      throws Exception {
    pod.toPod.clear();
    for (String f : frames) {
      ByteBuffer buf = ByteBuffer.wrap(HexFormat.of().parseHex(f));
      plug.send(buf);
      assertThat(buf.remaining()).isZero();
    }
    return pod.toPod;
  }

  private static <T> T with(PortVlans v, Function<PortVlanPlug, T> f) {
    return f.apply(new PortVlanPlug(new PodSide(), v));
  }

  @Test
  void anAccessPortTagsThePodsFramesAndStripsItsVlanOnTheWayIn() throws Exception {
    PodSide pod = new PodSide();
    PortVlanPlug plug = new PortVlanPlug(pod, PortVlans.access(10));
    assertThat(fromPod(plug, pod, UNTAGGED, tagged(10), tagged(20), tagged(0)))
        .containsExactly(tagged(10), null, null, null);
    assertThat(plug.vlanDrops()).isEqualTo(3);
    assertThat(toPod(plug, pod, tagged(10), tagged(20), UNTAGGED)).containsExactly(UNTAGGED);
    assertThat(plug.filtered()).isEqualTo(2);
  }

  @Test
  void aTrunkCarriesItsVidsTaggedAndTheNetworksUntaggedVlanUntagged() throws Exception {
    PodSide pod = new PodSide();
    PortVlanPlug plug = new PortVlanPlug(pod, PortVlans.trunk(List.of(20, 10)));
    assertThat(fromPod(plug, pod, UNTAGGED, tagged(10), tagged(20), tagged(30), tagged(0)))
        .containsExactly(UNTAGGED, tagged(10), tagged(20), null, null);
    assertThat(plug.vlanDrops()).isEqualTo(2);
    assertThat(toPod(plug, pod, UNTAGGED, tagged(10), tagged(30), tagged(20)))
        .containsExactly(UNTAGGED, tagged(10), tagged(20));
    assertThat(plug.filtered()).isEqualTo(1);
  }

  @Test
  void aHybridPortHasAnUntaggedAccessVlanAndTaggedOnes() throws Exception {
    PodSide pod = new PodSide();
    PortVlanPlug plug = new PortVlanPlug(pod, new PortVlans(10, List.of(20)));
    assertThat(fromPod(plug, pod, UNTAGGED, tagged(20), tagged(10)))
        .containsExactly(tagged(10), tagged(20), null);
    assertThat(toPod(plug, pod, tagged(10), tagged(20), UNTAGGED))
        .containsExactly(UNTAGGED, tagged(20));
  }

  @Test
  void theToStringNamesTheVlans() {
    assertThat(with(new PortVlans(10, List.of(20, 30)), Object::toString))
        .endsWith("(access 10, trunk [20, 30])");
  }
}
