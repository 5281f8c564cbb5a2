package io.kubevde.vdeplug.netnode.stp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The spanning-tree state machine on simulated bridges and links ({@link StpLab}). */
class SpanningTreeTest {

  private static StpLab triangle(StpLab lab) {
    StpLab.Bridge a = lab.bridge(0x8000, 0x0000_0000_0001L);
    StpLab.Bridge b = lab.bridge(0x8000, 0x0000_0000_0002L);
    StpLab.Bridge c = lab.bridge(0x8000, 0x0000_0000_0003L);
    lab.link(a, 1, b, 1);
    lab.link(a, 2, c, 1);
    lab.link(b, 2, c, 2);
    return lab;
  }

  @Test
  void triangleElectsLowestIdAsRootAndBlocksExactlyOneLink() {
    StpLab lab = triangle(new StpLab(1));
    lab.run(3000);
    StpLab.Bridge a = lab.bridges.get(0), b = lab.bridges.get(1), c = lab.bridges.get(2);
    for (StpLab.Bridge x : lab.bridges) assertThat(x.tree.rootId()).isEqualTo(a.tree.bridgeId());
    assertThat(a.tree.rootPort()).isEqualTo(-1);
    assertThat(b.tree.rootPort()).isEqualTo(1);
    assertThat(c.tree.rootPort()).isEqualTo(1);
    // b (lower id) is designated on the b-c link, c's end is the alternate, blocked
    assertThat(b.tree.port(2).role()).isEqualTo(PortRole.DESIGNATED);
    assertThat(c.tree.port(2).role()).isEqualTo(PortRole.ALTERNATE);
    assertThat(c.tree.port(2).state()).isEqualTo(PortState.DISCARDING);
    assertThat(lab.forwardingLinks()).isEqualTo(2);
    assertThat(lab.dataPath(b, c)).isTrue();
  }

  @Test
  void proposalAndAgreementForwardWithoutWaitingForTheForwardDelay() {
    StpLab lab = triangle(new StpLab(1));
    long took = lab.untilConnected(5000);
    // forward delay is 400 ms per stage; the handshake needs a few BPDU exchanges only
    assertThat(took).isBetween(0L, 100L);
  }

  @Test
  void cuttingAForwardingLinkUnblocksTheAlternateWithinMilliseconds() {
    StpLab lab = triangle(new StpLab(1));
    lab.run(3000);
    StpLab.Bridge a = lab.bridges.get(0), b = lab.bridges.get(1), c = lab.bridges.get(2);
    lab.cut(a, 1); // a-b
    assertThat(lab.dataPath(a, b)).isFalse();
    long took = lab.untilConnected(5000);
    assertThat(took).isBetween(0L, 100L);
    assertThat(b.tree.rootPort()).isEqualTo(2);
    assertThat(c.tree.port(2).role()).isEqualTo(PortRole.DESIGNATED);
    assertThat(lab.forwardingLinks()).isEqualTo(2);
    assertThat(b.flushed).isNotEmpty();
  }

  @Test
  void aSilentNeighbourIsForgottenAfterMaxAge() {
    StpLab lab = triangle(new StpLab(1));
    lab.run(3000);
    StpLab.Bridge a = lab.bridges.get(0), b = lab.bridges.get(1), c = lab.bridges.get(2);
    // the a-b link stops carrying anything, but neither end sees the port go away
    lab.silenced.add("0:1");
    lab.silenced.add("1:1");
    // the last hello b heard was at most one hello before the silence
    lab.run(StpTimers.DEFAULT.maxAgeMillis() - StpTimers.DEFAULT.helloMillis() - 50);
    assertThat(b.tree.rootPort()).isEqualTo(1);
    lab.run(400);
    assertThat(b.tree.rootPort()).isEqualTo(2);
    assertThat(b.tree.rootId()).isEqualTo(a.tree.bridgeId());
    assertThat(c.tree.port(2).state()).isEqualTo(PortState.FORWARDING);
  }

  @Test
  void aCableFromABridgeToItselfBlocksOneEndAsBackup() {
    StpLab lab = new StpLab(1);
    StpLab.Bridge a = lab.bridge(0x8000, 1);
    lab.link(a, 1, a, 2);
    lab.run(3000);
    assertThat(a.tree.port(1).role()).isEqualTo(PortRole.DESIGNATED);
    assertThat(a.tree.port(2).role()).isEqualTo(PortRole.BACKUP);
    assertThat(a.tree.port(2).state()).isEqualTo(PortState.DISCARDING);
  }

  @Test
  void ourOwnBpduEchoedOnTheSamePortIsNoLoop() {
    // a shared medium that hands a bridge its own BPDUs back (multicast loopback on an uplink)
    StpLab lab = new StpLab(1);
    StpLab.Bridge a = lab.bridge(0x8000, 1);
    lab.link(a, 1, a, 1);
    lab.run(3000);
    assertThat(a.tree.port(1).role()).isEqualTo(PortRole.DESIGNATED);
    assertThat(a.forwarding).contains(1);
  }

  @Test
  void edgePortsForwardAtOnceSendNothingAndIgnoreBpdus() {
    StpLab lab = new StpLab(1);
    StpLab.Bridge a = lab.bridge(0x8000, 5);
    a.tree.addPort(7, true, 0);
    assertThat(a.forwarding).contains(7);
    Bpdu hostile = new Bpdu(Bpdu.ROLE_DESIGNATED << 2, 0, 0, 0, 0x8001, 0, 200);
    a.tree.receive(7, hostile, 1);
    lab.run(2000);
    assertThat(a.tree.rootId()).isEqualTo(a.tree.bridgeId());
    assertThat(a.tree.port(7).bpduOnEdge()).isEqualTo(1);
    assertThat(a.tree.port(7).bpduOut()).isZero();
    assertThat(a.sent).isEmpty();
  }

  @Test
  void aPortWithoutAnswerForwardsAfterTwoForwardDelays() {
    StpLab lab = new StpLab(1);
    StpLab.Bridge a = lab.bridge(0x8000, 5);
    a.tree.addPort(1, false, 0); // hosts on tree ports: never answer
    a.tree.addPort(2, false, 0); // (port 1, alone at first, forwards at once)
    lab.run(2 * StpTimers.DEFAULT.forwardDelayMillis() - 20);
    assertThat(a.forwarding).doesNotContain(2);
    lab.run(40);
    assertThat(a.forwarding).contains(1, 2);
  }

  @Test
  void theOnlyTreePortOfABridgeForwardsAtOnce() {
    StpLab lab = new StpLab(1);
    StpLab.Bridge a = lab.bridge(0x8000, 5);
    a.tree.addPort(9, true, 0);
    a.tree.addPort(1, false, 0); // e.g. an agent switch's uplink: no loop can pass through a
    assertThat(a.forwarding).contains(1, 9);
    a.tree.addPort(2, false, 1); // a second tree port waits (proposal or forward delays)
    assertThat(a.forwarding).doesNotContain(2).contains(1);
  }

  @Test
  void lowerPriorityWinsOverLowerMac() {
    StpLab lab = triangle(new StpLab(1));
    StpLab.Bridge d = lab.bridge(0x1000, 0xFFFF_FFFFL);
    lab.link(d, 1, lab.bridges.get(2), 3);
    lab.run(3000);
    for (StpLab.Bridge x : lab.bridges) assertThat(x.tree.rootId()).isEqualTo(d.tree.bridgeId());
    assertThat(lab.forwardingLinks()).isEqualTo(3);
  }

  @Test
  void bpduWireFormatRoundTrips() {
    Bpdu b =
        new Bpdu(
            Bpdu.PROPOSAL | Bpdu.TC | Bpdu.ROLE_DESIGNATED << 2,
            0x8000_0000_0000_0001L,
            300,
            0x8000_00ff_1234_5678L,
            0x8003,
            2,
            250); // 64/256 s: exact on the wire
    ByteBuffer f = ByteBuffer.allocate(64);
    b.encode(0x00ff_1234_5678L, f);
    assertThat(f.remaining()).isEqualTo(60);
    assertThat(f.get(0)).isEqualTo((byte) 0x01);
    assertThat(f.get(14)).isEqualTo((byte) 0x42);
    assertThat(Bpdu.decode(f)).contains(b);
    assertThat(f.position()).isZero();
  }
}
