package io.kubevde.vdeplug.plugin.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class MacTableTest {
  private static final InetSocketAddress PEER1 = new InetSocketAddress("10.77.0.1", 40000);
  private static final InetSocketAddress PEER2 = new InetSocketAddress("10.77.0.2", 40001);

  private static long key(int n) {
    return MacTable.key(0x5254_0000_0000L + n, 1);
  }

  @Test
  void learnedMacIsFoundUntilItExpires() {
    MacTable t = new MacTable(1024, 128_000);
    t.learn(key(1), PEER1, 1_000);
    assertThat(t.lookup(key(1), 1_000)).isEqualTo(PEER1);
    assertThat(t.lookup(key(1), 129_000)).isEqualTo(PEER1);
    assertThat(t.lookup(key(1), 129_001)).isNull();
    assertThat(t.lookup(key(2), 1_000)).isNull();
  }

  @Test
  void seeingAMacAgainRefreshesAndMovesIt() {
    MacTable t = new MacTable(16, 10_000);
    t.learn(key(1), PEER1, 0);
    t.learn(key(1), PEER2, 9_000);
    assertThat(t.lookup(key(1), 18_000)).isEqualTo(PEER2);
    assertThat(t.size()).isEqualTo(1);
  }

  @Test
  void sameMacOnAnotherVlanIsAnotherEntry() {
    MacTable t = new MacTable(16, 10_000);
    long mac = 0x5254_0000_0001L;
    t.learn(MacTable.key(mac, 1), PEER1, 0);
    t.learn(MacTable.key(mac, 2), PEER2, 0);
    assertThat(t.lookup(MacTable.key(mac, 1), 0)).isEqualTo(PEER1);
    assertThat(t.lookup(MacTable.key(mac, 2), 0)).isEqualTo(PEER2);
  }

  @Test
  void holdsItsFullCapacityWithoutCollisionsEvictingEntries() {
    // a direct-mapped table (vdeplug4, §12.4) loses entries long before it is full; this one keeps
    // all of them
    MacTable t = new MacTable(1024, 128_000);
    for (int i = 0; i < 1024; i++) t.learn(key(i * 4096 + 7), i % 2 == 0 ? PEER1 : PEER2, 5);
    for (int i = 0; i < 1024; i++)
      assertThat(t.lookup(key(i * 4096 + 7), 5)).isEqualTo(i % 2 == 0 ? PEER1 : PEER2);
    assertThat(t.size()).isEqualTo(1024);
  }

  @Test
  void whenFullExpiredEntriesGoFirstThenTheStalest() {
    MacTable t = new MacTable(4, 1_000);
    for (int i = 0; i < 4; i++) t.learn(key(i), PEER1, i == 0 ? 0 : 5_000 + i);
    t.learn(key(10), PEER2, 5_500); // key(0) expired: purged
    assertThat(t.lookup(key(0), 5_500)).isNull();
    assertThat(t.size()).isEqualTo(4);
    t.learn(key(11), PEER2, 5_600); // nothing expired: the stalest (key(1), seen at 5001) goes
    assertThat(t.lookup(key(1), 5_600)).isNull();
    for (int k : new int[] {2, 3, 10, 11}) assertThat(t.lookup(key(k), 5_600)).isNotNull();
  }

  @Test
  void goodbyeForgetsEveryEntryOfThatPeerOnly() {
    MacTable t = new MacTable(256, 128_000);
    for (int i = 0; i < 100; i++) t.learn(key(i), i % 3 == 0 ? PEER2 : PEER1, 0);
    int removed = t.forgetAddress(new InetSocketAddress("10.77.0.2", 40001));
    assertThat(removed).isEqualTo(34);
    for (int i = 0; i < 100; i++) {
      if (i % 3 == 0) assertThat(t.lookup(key(i), 0)).isNull();
      else assertThat(t.lookup(key(i), 0)).isEqualTo(PEER1);
    }
  }

  @Test
  void capacityZeroDisablesLearning() {
    MacTable t = new MacTable(0, 128_000);
    t.learn(key(1), PEER1, 0);
    assertThat(t.enabled()).isFalse();
    assertThat(t.lookup(key(1), 0)).isNull();
    assertThat(t.size()).isZero();
  }

  @Test
  void purgeRemovesOnlyExpiredAndKeepsTheRestFindable() {
    MacTable t = new MacTable(512, 1_000);
    for (int i = 0; i < 500; i++) t.learn(key(i), PEER1, i % 2 == 0 ? 0 : 2_000);
    assertThat(t.purgeExpired(2_500)).isEqualTo(250);
    for (int i = 1; i < 500; i += 2) assertThat(t.lookup(key(i), 2_500)).isEqualTo(PEER1);
  }
}
