package io.kubevde.api.net;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 address with a prefix length, as numbers, with the arithmetic the operator's
 * allocator (subnet blocks, overlaps) and the agent's IPAM (host addresses, ranges) need. Two
 * readings of the same text form: {@link #parse} keeps the address as written ({@code
 * 10.77.0.5/24}: an interface address, a host in its subnet; {@code /n} optional), {@link
 * #parseNetwork} wants {@code /n} and clears the host bits ({@code 10.77.0.0/24}: a prefix).
 * Parsing accepts numeric literals only (never resolves a name).
 *
 * @param address the address as an unsigned integer (host bits kept, see {@link #network()})
 * @param prefix the prefix length, 0..32 (IPv4) or 0..128 (IPv6)
 * @param bits the address width, 32 or 128
 */
public record Cidr(BigInteger address, int prefix, int bits) {

  /**
   * Parses {@code a.b.c.d[/n]} or {@code x::y[/n]}, keeping host bits; without {@code /n} the
   * prefix is the full length.
   *
   * @param text the address
   * @return the address and prefix
   * @throws IllegalArgumentException naming the text when it is not a numeric address or the prefix
   *     is out of range
   */
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    Ip ip = Ip.parse(slash < 0 ? text : text.substring(0, slash));
    int prefix;
    try {
      prefix = slash < 0 ? ip.bits() : Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad prefix length in " + text, e);
    }
    if (prefix < 0 || prefix > ip.bits())
      throw new IllegalArgumentException("prefix out of range in " + text);
    return new Cidr(ip.value(), prefix, ip.bits());
  }

  /**
   * Parses a prefix in CIDR form ({@code 10.77.0.0/16}, {@code fd77::/64}); host bits are cleared.
   *
   * @param text the CIDR
   * @return the prefix (its {@link #address()} is the network address)
   * @throws IllegalArgumentException naming the text when it has no {@code /n} or is not a CIDR
   */
  public static Cidr parseNetwork(String text) {
    if (text.indexOf('/') < 0)
      throw new IllegalArgumentException("not a CIDR (no /prefix): " + text);
    Cidr c = parse(text);
    return new Cidr(c.network(), c.prefix, c.bits);
  }

  static BigInteger mask(int prefix, int bits) {
    BigInteger all = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
    BigInteger host = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
    return all.xor(host);
  }

  /**
   * @return whether this is IPv6
   */
  public boolean v6() {
    return bits == 128;
  }

  /**
   * @return the first address of the prefix (host bits cleared)
   */
  public BigInteger network() {
    return address.and(mask(prefix, bits));
  }

  /**
   * @return number of addresses in the prefix
   */
  public BigInteger size() {
    return BigInteger.ONE.shiftLeft(bits - prefix);
  }

  /**
   * @return the last address of the prefix (broadcast for IPv4)
   */
  public BigInteger last() {
    return network().add(size()).subtract(BigInteger.ONE);
  }

  /**
   * @param ip an address of this family, as an unsigned integer
   * @return whether it lies inside this prefix
   */
  public boolean contains(BigInteger ip) {
    return ip.compareTo(network()) >= 0 && ip.compareTo(last()) <= 0;
  }

  /**
   * @return true if the address is inside this prefix (false across families)
   */
  public boolean contains(Ip ip) {
    return ip.bits() == bits && contains(ip.value());
  }

  /**
   * @return true if the two prefixes share at least one address (false across families)
   */
  public boolean overlaps(Cidr o) {
    return o.bits == bits
        && network().compareTo(o.last()) <= 0
        && o.network().compareTo(last()) <= 0;
  }

  /**
   * @param blockPrefix prefix length of the blocks, ≥ {@link #prefix()}
   * @param index block number from 0
   * @return the index-th sub-block
   */
  public Cidr block(int blockPrefix, long index) {
    BigInteger start = network().add(BigInteger.valueOf(index).shiftLeft(bits - blockPrefix));
    return new Cidr(start, blockPrefix, bits);
  }

  /**
   * @return how many blocks of {@code blockPrefix} fit (saturated at Long.MAX_VALUE)
   */
  public long blockCount(int blockPrefix) {
    int d = blockPrefix - prefix;
    return d >= 62 ? Long.MAX_VALUE : 1L << d;
  }

  /**
   * @return the address at offset {@code i} from the network address
   */
  public Ip at(BigInteger i) {
    return new Ip(network().add(i), bits);
  }

  /**
   * @return the same prefix with another address
   */
  public Cidr with(BigInteger ip) {
    return new Cidr(ip, prefix, bits);
  }

  /**
   * @return the address alone ({@code 10.77.0.5}, {@code fd77::5})
   */
  public String ip() {
    return format(address, v6());
  }

  /**
   * @return {@code address/prefix} ({@code 10.77.0.5/24}; a {@link #parseNetwork} result prints its
   *     network)
   */
  @Override
  public String toString() {
    return ip() + "/" + prefix;
  }

  /**
   * @param a an address as an unsigned integer
   * @param v6 whether it is IPv6
   * @return its usual text form (IPv6 compressed as RFC 5952: longest zero run as {@code ::})
   */
  public static String format(BigInteger a, boolean v6) {
    byte[] raw = a.toByteArray();
    byte[] b = new byte[v6 ? 16 : 4];
    int n = Math.min(raw.length, b.length);
    System.arraycopy(raw, raw.length - n, b, b.length - n, n);
    try {
      String s = InetAddress.getByAddress(b).getHostAddress();
      return v6 ? compress(s) : s;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String compress(String full) {
    // Java prints 0:0:0:0:0:0:0:1; RFC 5952 wants the longest run of zero groups as ::
    String[] g = full.split(":");
    int bestStart = -1, bestLen = 0;
    for (int i = 0; i < g.length; ) {
      if (g[i].equals("0")) {
        int j = i;
        while (j < g.length && g[j].equals("0")) j++;
        if (j - i > bestLen && j - i > 1) {
          bestStart = i;
          bestLen = j - i;
        }
        i = j;
      } else {
        i++;
      }
    }
    if (bestStart < 0) return full;
    String head = String.join(":", Arrays.copyOfRange(g, 0, bestStart));
    String tail = String.join(":", Arrays.copyOfRange(g, bestStart + bestLen, g.length));
    return head + "::" + tail;
  }

  /**
   * An IPv4/IPv6 address as an unsigned integer.
   *
   * @param value the address
   * @param bits 32 or 128
   */
  public record Ip(BigInteger value, int bits) implements Comparable<Ip> {
    /**
     * @param text a literal address: dotted quad ({@code a.b.c.d}, four parts) or IPv6; no host
     *     names are resolved
     * @return the address
     * @throws IllegalArgumentException naming the text when it is not an IP literal
     */
    public static Ip parse(String text) {
      if (text == null || text.isEmpty())
        throw new IllegalArgumentException("not an IP address: " + text);
      boolean v6 = text.indexOf(':') >= 0;
      if (!v6 && !text.matches("\\d{1,3}(\\.\\d{1,3}){3}"))
        throw new IllegalArgumentException("not an IP address: " + text);
      if (v6 && !text.matches("[0-9a-fA-F:.]+"))
        throw new IllegalArgumentException("not an IP address: " + text);
      try {
        byte[] b = InetAddress.getByName(text).getAddress();
        if (b.length != (v6 ? 16 : 4))
          throw new IllegalArgumentException("not an IP address: " + text);
        return new Ip(new BigInteger(1, b), b.length * 8);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not an IP address: " + text, e);
      }
    }

    /**
     * @return the next address
     */
    public Ip next() {
      return new Ip(value.add(BigInteger.ONE), bits);
    }

    @Override
    public int compareTo(Ip o) {
      return value.compareTo(o.value);
    }

    /**
     * @return the usual text form ({@link Cidr#format})
     */
    @Override
    public String toString() {
      return format(value, bits == 128);
    }
  }
}
