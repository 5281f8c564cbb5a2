package io.kubevde.agent.cni;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 address with a prefix length ({@code 10.77.0.5/24}), with the arithmetic the allocator needs.
 * Parsing accepts only numeric literals (never resolves names).
 *
 * @param address the address as an unsigned integer (32 or 128 bits)
 * @param prefix  the prefix length in bits
 * @param v6      whether this is IPv6
 */
public record Cidr(BigInteger address, int prefix, boolean v6) {

    /**
     * Parses {@code a.b.c.d/n} or {@code x::y/n}; without {@code /n} the prefix is the full length.
     *
     * @throws IllegalArgumentException naming the text when it is not a numeric address
     */
    public static Cidr parse(String text) {
        int slash = text.indexOf('/');
        String ip = slash < 0 ? text : text.substring(0, slash);
        boolean v6 = ip.contains(":");
        if (!v6 && !ip.matches("\\d{1,3}(\\.\\d{1,3}){3}")) throw new IllegalArgumentException("not an IP address: " + text);
        if (v6 && !ip.matches("[0-9a-fA-F:.]+")) throw new IllegalArgumentException("not an IP address: " + text);
        int bits = v6 ? 128 : 32;
        int prefix;
        try {
            prefix = slash < 0 ? bits : Integer.parseInt(text.substring(slash + 1));
            byte[] b = InetAddress.getByName(ip).getAddress();
            if (b.length * 8 != bits) throw new IllegalArgumentException("not an IP address: " + text);
            if (prefix < 0 || prefix > bits) throw new IllegalArgumentException("bad prefix length in " + text);
            return new Cidr(new BigInteger(1, b), prefix, v6);
        } catch (NumberFormatException | UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address: " + text, e);
        }
    }

    /** Address width in bits (32 or 128). */
    public int bits() {
        return v6 ? 128 : 32;
    }

    /** The first address of the prefix. */
    public BigInteger network() {
        return address.shiftRight(bits() - prefix).shiftLeft(bits() - prefix);
    }

    /** The last address of the prefix. */
    public BigInteger last() {
        return network().add(BigInteger.ONE.shiftLeft(bits() - prefix)).subtract(BigInteger.ONE);
    }

    /** Whether {@code ip} lies inside this prefix. */
    public boolean contains(BigInteger ip) {
        return ip.compareTo(network()) >= 0 && ip.compareTo(last()) <= 0;
    }

    /** The same prefix with another address. */
    public Cidr with(BigInteger ip) {
        return new Cidr(ip, prefix, v6);
    }

    /** The address alone ({@code 10.77.0.5}, {@code fd77::5}). */
    public String ip() {
        return format(address, v6);
    }

    /** {@code ip/prefix}. */
    @Override
    public String toString() {
        return ip() + "/" + prefix;
    }

    /** Formats an address integer in the usual text form. */
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
        // Java prints 0:0:0:0:0:0:0:1; compress the longest run of zero groups as RFC 5952 does
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
