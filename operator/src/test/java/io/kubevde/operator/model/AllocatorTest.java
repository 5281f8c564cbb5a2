package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.api.net.Cidr;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AllocatorTest {
  private static final AllocationPolicy SMALL =
      new AllocationPolicy(100, 103, Cidr.parseNetwork("239.77.0.0/29"));
  private final Allocator alloc = new Allocator(SMALL, new Random(42));
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static NetworkClaim claim(
      String key, int ageSeconds, Integer vni, String group, String subnet) {
    return new NetworkClaim(key, T0.plusSeconds(ageSeconds), vni, group, subnet);
  }

  /**
   * A random source that returns {@code draws} in order for {@code nextInt(bound)}, then repeats
   * the last one.
   */
  private static Random scripted(int... draws) {
    return new Random() {
      private int next;

      @Override
      public int nextInt(int bound) {
        int d = draws[Math.min(next++, draws.length - 1)];
        assertThat(d).isBetween(0, bound - 1);
        return d;
      }
    };
  }

  @Test
  void aNewVniIsAFreeValueOfThePoolAndTheLowestFreeGroupIsTaken() {
    Allocation a =
        alloc.allocate(
            claim("ns/x", 10, null, null, null),
            null,
            true,
            true,
            List.of(claim("ns/a", 0, 100, "239.77.0.1", null)));
    assertThat(a.ok()).isTrue();
    assertThat(a.vni()).isBetween(101, 103);
    assertThat(a.group()).isEqualTo("239.77.0.2");
  }

  @Test
  void aRandomDrawThatCollidesIsDrawnAgain() {
    // draws 0 -> 100 (taken by ns/a), 2 -> 102 (reserved by ns/b), 3 -> 103 (free)
    Allocator a = new Allocator(SMALL, scripted(0, 2, 3));
    Allocation got =
        a.allocate(
            claim("ns/x", 10, null, null, null),
            null,
            true,
            false,
            List.of(claim("ns/a", 0, 100, null, null), claim("ns/b", 20, 102, null, null)));
    assertThat(got.vni()).isEqualTo(103);
    assertThat(got.ok()).isTrue();
  }

  @Test
  void aCrowdedPoolIsScannedWhenEveryDrawCollides() {
    // every draw gives 0 -> 100 (taken); the scan from offset 0 finds the one free value
    Allocator a = new Allocator(SMALL, scripted(0));
    Allocation got =
        a.allocate(
            claim("ns/x", 10, null, null, null),
            null,
            true,
            false,
            List.of(
                claim("ns/a", 0, 100, null, null),
                claim("ns/b", 0, 101, null, null),
                claim("ns/c", 0, 103, null, null)));
    assertThat(got.vni()).isEqualTo(102);
  }

  @Test
  void vnisOfTheDefaultPoolAreUniqueAndNotHandedOutInOrder() {
    Allocator a = new Allocator(AllocationPolicy.defaults());
    List<NetworkClaim> others = new ArrayList<>();
    Set<Integer> vnis = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      Allocation got =
          a.allocate(claim("ns/n" + i, i, null, null, null), null, true, false, others);
      assertThat(got.ok()).isTrue();
      assertThat(got.vni()).isBetween(4096, 16_777_215);
      others.add(claim("ns/n" + i, i, got.vni(), null, null));
      vnis.add(got.vni());
    }
    assertThat(vnis).hasSize(200);
    // sequential allocation would give exactly 4096..4295; 200 random draws from 16.7 M values
    // never do
    assertThat(vnis.stream().filter(v -> v < 4096 + 200).count()).isLessThan(10);
  }

  @Test
  void previousValuesAreKeptEvenIfLowerOnesAreFree() {
    Allocation a =
        alloc.allocate(
            claim("ns/x", 10, null, null, null),
            claim("ns/x", 10, 103, "239.77.0.5", null),
            true,
            true,
            List.of());
    assertThat(a.vni()).isEqualTo(103);
    assertThat(a.group()).isEqualTo("239.77.0.5");
  }

  @Test
  void aPreviousValueClaimedByAnOlderNetworkIsReplaced() {
    Allocation a =
        alloc.allocate(
            claim("ns/x", 10, null, null, null),
            claim("ns/x", 10, 100, null, null),
            true,
            false,
            List.of(claim("ns/old", 0, 100, null, null)));
    assertThat(a.vni()).isBetween(101, 103);
    assertThat(a.ok()).isTrue();
  }

  @Test
  void userValueConflictsOnlyForTheNewerNetwork() {
    NetworkClaim older = claim("ns/a", 0, 7, "239.1.1.1", null);
    NetworkClaim newer = claim("ns/b", 5, 7, "239.1.1.1", null);
    Allocation forNewer = alloc.allocate(newer, null, true, true, List.of(older));
    assertThat(forNewer.problems())
        .extracting(Allocation.Problem::reason)
        .containsExactly("VniConflict", "GroupConflict");
    assertThat(forNewer.problems().get(0).message()).contains("ns/a");
    Allocation forOlder = alloc.allocate(older, null, true, true, List.of(newer));
    assertThat(forOlder.ok()).isTrue();
  }

  @Test
  void sameSecondTiesAreBrokenByName() {
    NetworkClaim a = claim("ns/a", 0, 7, null, null);
    NetworkClaim b = claim("ns/b", 0, 7, null, null);
    assertThat(alloc.allocate(b, null, true, false, List.of(a)).ok()).isFalse();
    assertThat(alloc.allocate(a, null, true, false, List.of(b)).ok()).isTrue();
  }

  @Test
  void groupsCompareAsAddressesNotStrings() {
    Allocation a =
        alloc.allocate(
            claim("ns/b", 5, null, "ff05:56de:0::1", null),
            null,
            false,
            true,
            List.of(claim("ns/a", 0, null, "ff05:56de::1", null)));
    assertThat(a.problems())
        .extracting(Allocation.Problem::reason)
        .containsExactly("GroupConflict");
  }

  @Test
  void exhaustedPoolsAreReported() {
    List<NetworkClaim> others = new ArrayList<>();
    for (int i = 0; i < 4; i++)
      others.add(claim("ns/o" + i, 0, 100 + i, "239.77.0." + (i + 1), null));
    for (int i = 4; i < 7; i++) others.add(claim("ns/o" + i, 0, null, "239.77.0." + (i + 1), null));
    Allocation a = alloc.allocate(claim("ns/x", 10, null, null, null), null, true, true, others);
    assertThat(a.problems())
        .extracting(Allocation.Problem::reason)
        .containsExactly("VniPoolExhausted", "GroupPoolExhausted");
  }

  @Test
  void overlappingSubnetOfAnOlderNetworkIsAConflict() {
    Allocation a =
        alloc.allocate(
            claim("ns/b", 5, null, null, "10.1.128.0/17"),
            null,
            false,
            false,
            List.of(
                claim("ns/a", 0, null, null, "10.1.0.0/16"),
                claim("ns/c", 0, null, null, "10.2.0.0/16")));
    assertThat(a.problems())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.reason()).isEqualTo("SubnetOverlap");
              assertThat(p.message()).contains("ns/a").doesNotContain("ns/c");
            });
  }

  @Test
  void localTransportNeedsNothing() {
    Allocation a =
        alloc.allocate(claim("ns/x", 0, null, null, null), null, false, false, List.of());
    assertThat(a.vni()).isNull();
    assertThat(a.group()).isNull();
    assertThat(a.ok()).isTrue();
  }
}
