package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two Java bonding nodes A and B joined by two links; link 2 goes silent without closing (like a
 * veth going down under a udp path) and later comes back. With {@code [health]} A stops using it
 * within a second and uses it again once it carries traffic; plain bonding keeps losing half the
 * frames (vde-protocols.md §7, §12.14).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BondingHealthTest {
  private final Path tmp = Proc.tempDir("kvbh");

  @AfterEach
  void clean() {
    Sh.exec("rm", "-rf", tmp.toString());
  }

  /**
   * A link between two plugs that can be cut (every frame dropped, nothing closed) and restored.
   */
  static final class CuttableLink implements AutoCloseable {
    final Plug left;
    final Plug right;
    volatile boolean cut;
    final AtomicLong carried = new AtomicLong();

    CuttableLink(Plug left, Plug right) {
      this.left = left;
      this.right = right;
      Thread.ofPlatform().daemon().start(() -> pump(left, right));
      Thread.ofPlatform().daemon().start(() -> pump(right, left));
    }

    private void pump(Plug from, Plug to) {
      ByteBuffer b = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
      try {
        while (true) {
          b.clear();
          int n = from.receive(b);
          if (n == Plug.CLOSED) return;
          if (n < Plug.MIN_FRAME || cut) continue;
          b.flip();
          to.send(b);
          carried.incrementAndGet();
        }
      } catch (Exception e) {
        // closed
      }
    }

    @Override
    public void close() throws Exception {
      left.close();
      right.close();
    }
  }

  record Phases(
      int lostBefore,
      int lostWhileCutAfterFailover,
      int lostAfterRestore,
      long link2AfterRestore,
      int failoverMs,
      long overflowDrops) {}

  private Phases run(int healthMs) throws Exception {
    Path da = tmp.resolve("a" + healthMs);
    Path db = tmp.resolve("b" + healthMs);
    try (Netnode a = Netnode.open(NetnodeKind.BONDING, NetnodeConfig.at(da).withHealth(healthMs));
        Netnode b = Netnode.open(NetnodeKind.BONDING, NetnodeConfig.at(db).withHealth(healthMs));
        CuttableLink l1 =
            new CuttableLink(
                Plugs.open("vde://" + da, OpenArgs.DEFAULT),
                Plugs.open("vde://" + db, OpenArgs.DEFAULT));
        CuttableLink l2 =
            new CuttableLink(
                Plugs.open("vde://" + da, OpenArgs.DEFAULT),
                Plugs.open("vde://" + db, OpenArgs.DEFAULT))) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> a.ports().size() == 2 && b.ports().size() == 2);
      BitSet seen = new BitSet();
      Thread rx =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
                    try {
                      while (true) {
                        buf.clear();
                        int n = b.receive(buf);
                        if (n == Plug.CLOSED) return;
                        if (n >= 18 && (buf.getShort(12) & 0xFFFF) == 0x88b6) {
                          synchronized (seen) {
                            seen.set(buf.getInt(14));
                          }
                        }
                      }
                    } catch (Exception e) {
                      // closed
                    }
                  });
      ByteBuffer f = ByteBuffer.allocateDirect(60);
      // 1 frame/ms: 0-999 both links up (0-899 checked: frames in flight on link 2 at the cut are
      // lost); cut at 1000; 2000-2999 must all arrive (failover done);
      // restore at 3000; 4000-4999 must all arrive and link 2 must carry traffic again
      long link2AtRestore = 0;
      for (int seq = 0; seq < 5000; seq++) {
        if (seq == 1000) l2.cut = true;
        if (seq == 3000) {
          l2.cut = false;
          link2AtRestore = l2.carried.get();
        }
        f.clear();
        f.put(new byte[] {0x52, 0x54, 0, 0, 0x0b, 0x01, 0x52, 0x54, 0, 0, 0x0a, 0x01})
            .putShort((short) 0x88b6)
            .putInt(seq);
        while (f.hasRemaining()) f.put((byte) 0);
        a.send(f.flip());
        LockSupport.parkNanos(1_000_000);
      }
      // wait for the frames still in flight: until the last phase has fully arrived (a loss makes
      // this wait 5 s)
      try {
        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () -> {
                  synchronized (seen) {
                    return seen.get(4000, 5000).cardinality() == 1000;
                  }
                });
      } catch (ConditionTimeoutException e) {
        // frames were lost: counted and asserted below
      }
      // overflow drops of the 10-datagram AF_UNIX queues under CPU load are counted by every plug
      // and port
      long drops = b.hostStats().droppedCount();
      for (Netnode.PortInfo p : a.ports()) drops += p.stats().droppedCount();
      for (Plug p : new Plug[] {l1.left, l1.right, l2.left, l2.right})
        drops += p.stats().droppedCount();
      synchronized (seen) {
        int lastLost = 999;
        for (int s = 1000; s < 3000; s++) if (!seen.get(s)) lastLost = s;
        Phases p =
            new Phases(
                900 - seen.get(0, 900).cardinality(),
                1000 - seen.get(2000, 3000).cardinality(),
                1000 - seen.get(4000, 5000).cardinality(),
                l2.carried.get() - link2AtRestore,
                lastLost - 999,
                drops);
        System.out.println("bonding health=" + healthMs + "ms: " + p);
        return p;
      }
    }
  }

  // Losses are bounded by exact accounting (every lost frame must be a counted overflow drop), not
  // by a tolerance.
  // Measured (measured 2026-12-05 on the 2-core CI VM with other test runs in parallel, 5 runs):
  // overflowDrops=0 and lostBefore=lostAfterRestore=0 in 5/5 runs for both health=0 and 500 ms;
  // health=500: lostWhileCutAfterFailover=0, failover 215-431 ms; health=0:
  // lostWhileCutAfterFailover=500, 500, 500, 500,
  // 489 (round robin into the silent link).
  @Test
  void healthyBondingFailsOverWithinASecondAndUsesTheLinkAgainWhenItReturns() throws Exception {
    Phases p = run(NetnodeConfig.DEFAULT_HEALTH_MS);
    int counted = (int) p.overflowDrops();
    assertThat(p.lostBefore()).as("%s", p).isLessThanOrEqualTo(counted);
    assertThat(p.lostWhileCutAfterFailover())
        .as("%s: frames 1-2 s after the cut", p)
        .isLessThanOrEqualTo(counted);
    assertThat(p.lostAfterRestore()).as("%s", p).isLessThanOrEqualTo(counted);
    assertThat(p.link2AfterRestore()).as("%s: link 2 carries traffic again", p).isGreaterThan(500);
  }

  @Test
  void plainBondingKeepsSendingIntoTheSilentLink() throws Exception {
    Phases p = run(0);
    assertThat(p.lostBefore()).as("%s", p).isLessThanOrEqualTo((int) p.overflowDrops());
    // round robin over two links, one silent: at most every other frame of the 1000 is lost (plus
    // counted drops);
    // measured 500, 500, 500, 500, 489 (with 0 drops): the bond does not alternate strictly per
    // frame, so the
    // lower bound is "about half", 450
    assertThat(p.lostWhileCutAfterFailover())
        .as("%s: about every other frame is lost", p)
        .isBetween(450, 500 + (int) p.overflowDrops());
  }
}
