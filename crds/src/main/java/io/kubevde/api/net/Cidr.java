package io.kubevde.operator.model;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 prefix, as numbers: {@code base} (network address) and {@code prefix} length in bits.
 *
 * @param base network address as an unsigned integer (host bits zero)
 * @param prefix prefix length, 0..32 (IPv4) or 0..128 (IPv6)
 * @param bits 32 or 128
 */
public record Cidr(BigInteger base, int prefix, int bits) {

  /**
   * @param text {@code 10.77.0.0/16} or {@code fd77::/64}; host bits are cleared
   * @return the prefix
   * @throws IllegalArgumentException if the text is not a CIDR
   */
  public static Cidr parse(String text) {
    int slash = text.indexOf('/');
    if (slash < 0) throw new IllegalArgumentException("not a CIDR (no /prefix): " + text);
    Ip ip = Ip.parse(text.substring(0, slash));
    int prefix;
    try {
      prefix = Integer.parseInt(text.substring(slash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad prefix length in " + text, e);
    }
    if (prefix < 0 || prefix > ip.bits()) throw new IllegalArgumentException("prefix out of range in " + text);
    return new Cidr(ip.value().and(mask(prefix, ip.bits())), prefix, ip.bits());
  }

  static BigInteger mask(int prefix, int bits) {
    BigInteger all = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
    BigInteger host = BigInteger.ONE.shiftLeft(bits - prefix).subtract(BigInteger.ONE);
    return all.xor(host);
  }

  /** @return number of addresses in the prefix */
  public BigInteger size() {
    return BigInteger.ONE.shiftLeft(bits - prefix);
  }

  /** @return the last address (broadcast for IPv4) */
  public BigInteger last() {
    return base.add(size()).subtract(BigInteger.ONE);
  }

  /** @return true if the address is inside this prefix (same family) */
  public boolean contains(Ip ip) {
    return ip.bits() == bits && ip.value().compareTo(base) >= 0 && ip.value().compareTo(last()) <= 0;
  }

  /** @return true if the two prefixes share at least one address (false across families) */
  public boolean overlaps(Cidr o) {
    return o.bits == bits && base.compareTo(o.last()) <= 0 && o.base.compareTo(last()) <= 0;
  }

  /**
   * @param blockPrefix prefix length of the blocks, ≥ {@link #prefix()}
   * @param index block number from 0
   * @return the index-th sub-block
   */
  public Cidr block(int blockPrefix, long index) {
    BigInteger start = base.add(BigInteger.valueOf(index).shiftLeft(bits - blockPrefix));
    return new Cidr(start, blockPrefix, bits);
  }

  /** @return how many blocks of {@code blockPrefix} fit (saturated at Long.MAX_VALUE) */
  public long blockCount(int blockPrefix) {
    int d = blockPrefix - prefix;
    return d >= 62 ? Long.MAX_VALUE : 1L << d;
  }

  /** @return the address at offset {@code i} from the base */
  public Ip at(BigInteger i) {
    return new Ip(base.add(i), bits);
  }

  @Override
  public String toString() {
    return new Ip(base, bits) + "/" + prefix;
  }

  /**
   * An IPv4/IPv6 address as an unsigned integer.
   *
   * @param value the address
   * @param bits 32 or 128
   */
  public record Ip(BigInteger value, int bits) implements Comparable<Ip> {
    /**
     * @param text a literal address (no host names are resolved)
     * @return the address
     * @throws IllegalArgumentException if it is not an IP literal
     */
    public static Ip parse(String text) {
      if (text == null || text.isEmpty() || !(text.indexOf(':') >= 0 || text.matches("[0-9.]+"))) {
        throw new IllegalArgumentException("not an IP address: " + text);
      }
      try {
        byte[] b = InetAddress.getByName(text).getAddress();
        return new Ip(new BigInteger(1, b), b.length * 8);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("not an IP address: " + text, e);
      }
    }

    /** @return the next address */
    public Ip next() {
      return new Ip(value.add(BigInteger.ONE), bits);
    }

    @Override
    public int compareTo(Ip o) {
      return value.compareTo(o.value);
    }

    @Override
    public String toString() {
      byte[] raw = value.toByteArray();
      byte[] b = new byte[bits / 8];
      int n = Math.min(raw.length, b.length);
      System.arraycopy(raw, raw.length - n, b, b.length - n, n);
      try {
        String s = InetAddress.getByAddress(b).getHostAddress();
        return bits == 128 ? compress(s) : s;
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }

    private static String compress(String full) {
      // Java prints 0:0:0:0:0:0:0:1; RFC 5952 wants the longest zero run as ::
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
      String head = String.join(":", java.util.Arrays.copyOfRange(g, 0, bestStart));
      String tail = String.join(":", java.util.Arrays.copyOfRange(g, bestStart + bestLen, g.length));
      return head + "::" + tail;
    }
  }
}
