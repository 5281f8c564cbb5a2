package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.api.net.Cidr;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AllocatorTest {
  private final Allocator alloc = new Allocator(new AllocationPolicy(100, 103, Cidr.parseNetwork("239.77.0.0/29")));
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static NetworkClaim claim(String key, int ageSeconds, Integer vni, String group, String subnet) {
    return new NetworkClaim(key, T0.plusSeconds(ageSeconds), vni, group, subnet);
  }

  @Test
  void lowestFreeValuesAreTaken() {
    Allocation a = alloc.allocate(claim("ns/x", 10, null, null, null), null, true, true,
        List.of(claim("ns/a", 0, 100, "239.77.0.1", null)));
    assertThat(a.ok()).isTrue();
    assertThat(a.vni()).isEqualTo(101);
    assertThat(a.group()).isEqualTo("239.77.0.2");
  }

  @Test
  void previousValuesAreKeptEvenIfLowerOnesAreFree() {
    Allocation a = alloc.allocate(claim("ns/x", 10, null, null, null), claim("ns/x", 10, 103, "239.77.0.5", null),
        true, true, List.of());
    assertThat(a.vni()).isEqualTo(103);
    assertThat(a.group()).isEqualTo("239.77.0.5");
  }

  @Test
  void aPreviousValueClaimedByAnOlderNetworkIsReplaced() {
    Allocation a = alloc.allocate(claim("ns/x", 10, null, null, null), claim("ns/x", 10, 100, null, null), true,
        false, List.of(claim("ns/old", 0, 100, null, null)));
    assertThat(a.vni()).isEqualTo(101);
    assertThat(a.ok()).isTrue();
  }

  @Test
  void userValueConflictsOnlyForTheNewerNetwork() {
    NetworkClaim older = claim("ns/a", 0, 7, "239.1.1.1", null);
    NetworkClaim newer = claim("ns/b", 5, 7, "239.1.1.1", null);
    Allocation forNewer = alloc.allocate(newer, null, true, true, List.of(older));
    assertThat(forNewer.problems()).extracting(Allocation.Problem::reason)
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
    Allocation a = alloc.allocate(claim("ns/b", 5, null, "ff05:56de:0::1", null), null, false, true,
        List.of(claim("ns/a", 0, null, "ff05:56de::1", null)));
    assertThat(a.problems()).extracting(Allocation.Problem::reason).containsExactly("GroupConflict");
  }

  @Test
  void exhaustedPoolsAreReported() {
    List<NetworkClaim> others = new ArrayList<>();
    for (int i = 0; i < 4; i++) others.add(claim("ns/o" + i, 0, 100 + i, "239.77.0." + (i + 1), null));
    for (int i = 4; i < 7; i++) others.add(claim("ns/o" + i, 0, null, "239.77.0." + (i + 1), null));
    Allocation a = alloc.allocate(claim("ns/x", 10, null, null, null), null, true, true, others);
    assertThat(a.problems()).extracting(Allocation.Problem::reason)
        .containsExactly("VniPoolExhausted", "GroupPoolExhausted");
  }

  @Test
  void overlappingSubnetOfAnOlderNetworkIsAConflict() {
    Allocation a = alloc.allocate(claim("ns/b", 5, null, null, "10.1.128.0/17"), null, false, false,
        List.of(claim("ns/a", 0, null, null, "10.1.0.0/16"), claim("ns/c", 0, null, null, "10.2.0.0/16")));
    assertThat(a.problems()).singleElement().satisfies(p -> {
      assertThat(p.reason()).isEqualTo("SubnetOverlap");
      assertThat(p.message()).contains("ns/a").doesNotContain("ns/c");
    });
  }

  @Test
  void localTransportNeedsNothing() {
    Allocation a = alloc.allocate(claim("ns/x", 0, null, null, null), null, false, false, List.of());
    assertThat(a.vni()).isNull();
    assertThat(a.group()).isNull();
    assertThat(a.ok()).isTrue();
  }
}
