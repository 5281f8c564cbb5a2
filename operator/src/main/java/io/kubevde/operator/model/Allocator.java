package io.kubevde.operator.model;

import io.kubevde.api.net.Cidr;
import io.kubevde.operator.model.Allocation.Problem;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * Chooses a network's VNI and multicast group, unique in the cluster, and finds conflicts with
 * other networks. All state comes in as arguments (the only other input is the random source for
 * new VNIs), so a value once recorded in a status is kept by every operator replica and after
 * restarts.
 *
 * <p>Rules: a value the user wrote in the spec is used as is; it conflicts when an <em>older</em>
 * network (creation time, then namespace/name) already uses it, and then only the newer network
 * gets the conflict. A value allocated before (found in the network's status) is kept unless an
 * older network now claims it. Otherwise a new VNI is drawn at random from the pool (so a host on
 * the underlay cannot guess the VNI of a network from the order of creation; redrawn while it
 * collides with another network's claim), and the lowest free multicast group is taken. IPAM
 * subnets of host-local networks must not overlap an older network's subnet.
 */
public final class Allocator {
  /** Random draws of a new VNI before the pool is scanned (from a random start) for a free one. */
  static final int RANDOM_DRAWS = 64;

  private final AllocationPolicy policy;
  private final RandomGenerator random;

  /**
   * @param policy pools to allocate from; new VNIs are drawn with a {@link SecureRandom}
   */
  public Allocator(AllocationPolicy policy) {
    this(policy, new SecureRandom());
  }

  /**
   * @param policy pools to allocate from
   * @param random source of new VNIs (tests inject a seeded one; production uses {@link
   *     SecureRandom})
   */
  public Allocator(AllocationPolicy policy, RandomGenerator random) {
    this.policy = policy;
    this.random = random;
  }

  /**
   * @param self the network being reconciled: key, creation time, the spec's vni/group (user
   *     values, may be null) and subnet
   * @param previous the values in its status (allocated earlier; may be null)
   * @param needVni whether the transport needs a VNI (all but local)
   * @param needGroup whether the transport needs a multicast group (vxvde only)
   * @param others every other network's effective claim (from statuses, specs and in-flight
   *     reservations)
   * @return the effective values and the problems found
   */
  public Allocation allocate(
      NetworkClaim self,
      NetworkClaim previous,
      boolean needVni,
      boolean needGroup,
      Collection<NetworkClaim> others) {
    List<Problem> problems = new ArrayList<>();
    Integer vni = null;
    String group = null;
    if (needVni) {
      vni = chooseVni(self, previous, others, problems);
    }
    if (needGroup) {
      group = chooseGroup(self, previous, others, problems);
    }
    if (self.subnet() != null) {
      Cidr mine = Cidr.parseNetwork(self.subnet());
      others.stream()
          .filter(o -> o.subnet() != null && o.olderThan(self))
          .filter(o -> Cidr.parseNetwork(o.subnet()).overlaps(mine))
          .sorted(NetworkClaim.AGE)
          .findFirst()
          .ifPresent(
              o ->
                  problems.add(
                      new Problem(
                          "SubnetOverlap",
                          "subnet "
                              + self.subnet()
                              + " overlaps "
                              + o.subnet()
                              + " of the older network "
                              + o.key())));
    }
    return new Allocation(vni, group, List.copyOf(problems));
  }

  private Integer chooseVni(
      NetworkClaim self,
      NetworkClaim previous,
      Collection<NetworkClaim> others,
      List<Problem> problems) {
    if (self.vni() != null) {
      others.stream()
          .filter(o -> self.vni().equals(o.vni()) && o.olderThan(self))
          .sorted(NetworkClaim.AGE)
          .findFirst()
          .ifPresent(
              o ->
                  problems.add(
                      new Problem(
                          "VniConflict",
                          "VNI "
                              + self.vni()
                              + " is already used by the older network "
                              + o.key())));
      return self.vni();
    }
    Set<Integer> used = new HashSet<>();
    for (NetworkClaim o : others) if (o.vni() != null) used.add(o.vni());
    if (previous != null && previous.vni() != null) {
      Integer p = previous.vni();
      boolean takenByOlder = others.stream().anyMatch(o -> p.equals(o.vni()) && o.olderThan(self));
      if (!takenByOlder) return p;
    }
    int size = policy.vniLast() - policy.vniFirst() + 1;
    for (int i = 0; i < RANDOM_DRAWS; i++) {
      int v = policy.vniFirst() + random.nextInt(size);
      if (!used.contains(v)) return v;
    }
    // a crowded pool: every free value is found (and exhaustion detected) by one scan from a random
    // start
    int start = random.nextInt(size);
    for (int i = 0; i < size; i++) {
      int v = policy.vniFirst() + (start + i) % size;
      if (!used.contains(v)) return v;
    }
    problems.add(
        new Problem(
            "VniPoolExhausted", "no free VNI in " + policy.vniFirst() + ".." + policy.vniLast()));
    return null;
  }

  private String chooseGroup(
      NetworkClaim self,
      NetworkClaim previous,
      Collection<NetworkClaim> others,
      List<Problem> problems) {
    if (self.group() != null) {
      String mine = canonicalIp(self.group());
      others.stream()
          .filter(
              o -> o.group() != null && canonicalIp(o.group()).equals(mine) && o.olderThan(self))
          .sorted(NetworkClaim.AGE)
          .findFirst()
          .ifPresent(
              o ->
                  problems.add(
                      new Problem(
                          "GroupConflict",
                          "multicast group "
                              + self.group()
                              + " is already used by the older network "
                              + o.key())));
      return self.group();
    }
    Set<String> used = new HashSet<>();
    for (NetworkClaim o : others) if (o.group() != null) used.add(canonicalIp(o.group()));
    if (previous != null && previous.group() != null) {
      String p = canonicalIp(previous.group());
      boolean takenByOlder =
          others.stream()
              .anyMatch(
                  o -> o.group() != null && canonicalIp(o.group()).equals(p) && o.olderThan(self));
      if (!takenByOlder) return previous.group();
    }
    Cidr pool = policy.groupPool();
    BigInteger limit = pool.size().min(BigInteger.valueOf(1L << 24));
    for (BigInteger i = BigInteger.ONE; i.compareTo(limit) < 0; i = i.add(BigInteger.ONE)) {
      String candidate = pool.at(i).toString();
      if (!used.contains(candidate)) return candidate;
    }
    problems.add(new Problem("GroupPoolExhausted", "no free multicast group in " + pool));
    return null;
  }

  private static String canonicalIp(String s) {
    try {
      return Cidr.Ip.parse(s).toString();
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
