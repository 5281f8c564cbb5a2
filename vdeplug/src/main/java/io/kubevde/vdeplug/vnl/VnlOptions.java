package io.kubevde.vdeplug.vnl;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one option parser every plugin uses (vde-protocols.md §1.2). A plugin declares its key table
 * in matching order and gets back the address/path and the options by their full key names:
 *
 * <ul>
 *   <li>family A "slash options" ({@code vxvde}, {@code vxvde}-like): {@link #slash}: {@code
 *       ADDRESS[/KEY[=VALUE]]...}
 *   <li>family B "bracket options" ({@code vde}, netnodes): {@link #bracket}: {@code
 *       PATH[[OPT[/OPT]...]]}
 * </ul>
 *
 * Keys match by prefix, in table order ({@code p} → {@code port}); a repeated key keeps the last
 * value; a token without {@code =} has the value {@code ""}; empty tokens and empty keys are
 * ignored. An unknown key throws a {@link VnlException} naming it (vdeplug4 prints {@code unknown
 * key} and fails with EINVAL), except that in family B an unknown bare word goes to the plugin's
 * positional parameter when it has one.
 *
 * @param address the address (family A) or path (family B), decoded; may be empty
 * @param options full key name → decoded value, in the order first seen
 * @param vnl the whole VNL text, for error messages
 */
public record VnlOptions(String address, Map<String, String> options, String vnl) {

  public VnlOptions {
    options = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(options));
  }

  /**
   * Parses a family A argument ({@code 239.1.2.3/vni=42/v6}).
   *
   * @param vnl the whole VNL, for messages
   * @param argument the text after {@code scheme://}
   * @param keys the plugin's key table in matching order
   * @throws VnlException for an unknown key
   */
  public static VnlOptions slash(String vnl, String argument, List<String> keys) {
    VnlTokenizer.Token first = VnlTokenizer.next(argument, 0, '/');
    Map<String, String> options = new LinkedHashMap<>();
    parseList(vnl, argument, first.next(), argument.length(), keys, null, options);
    return new VnlOptions(first.value(), options, vnl);
  }

  /**
   * Parses a family B argument ({@code /tmp/sw[port=3/mode=0770]}): the path is the text before the
   * first unquoted {@code [}, the options run to the last unquoted {@code ]} (or the end).
   *
   * @param positionalKey the key that receives an unknown bare word ({@code "port"} for {@code
   *     vde}), or null
   * @throws VnlException for an unknown key or a bare word without a positional parameter
   */
  public static VnlOptions bracket(
      String vnl, String argument, List<String> keys, String positionalKey) {
    VnlTokenizer.Token path = VnlTokenizer.next(argument, 0, '[');
    Map<String, String> options = new LinkedHashMap<>();
    if (path.delimited()) {
      int close = VnlTokenizer.lastUnquoted(argument, path.next(), ']');
      int end = close < 0 ? argument.length() : close;
      parseList(vnl, argument, path.next(), end, keys, positionalKey, options);
    }
    return new VnlOptions(path.value(), options, vnl);
  }

  private static void parseList(
      String vnl,
      String argument,
      int from,
      int end,
      List<String> keys,
      String positionalKey,
      Map<String, String> out) {
    String list = argument.substring(from, end);
    int i = 0;
    while (i < list.length()) {
      int rawStart = i;
      VnlTokenizer.Token t = VnlTokenizer.next(list, i, '/');
      i = t.next();
      String token = t.value();
      if (token.isEmpty()) continue;
      int eq = token.indexOf('=');
      String key = eq < 0 ? token : token.substring(0, eq);
      String value = eq < 0 ? "" : token.substring(eq + 1);
      if (key.isEmpty()) continue;
      String match = null;
      for (String k : keys) {
        if (k.startsWith(key)) {
          match = k;
          break;
        }
      }
      if (match != null) {
        out.put(match, value);
      } else if (eq < 0 && positionalKey != null) {
        out.put(positionalKey, token);
      } else {
        String raw = list.substring(rawStart, t.delimited() ? t.next() - 1 : t.next());
        throw new VnlException(
            vnl,
            "option '" + raw + "'",
            "unknown key '" + key + "' (known keys: " + String.join(", ", keys) + ")");
      }
    }
  }

  /** Whether the option was given (with or without a value). */
  public boolean has(String key) {
    return options.containsKey(key);
  }

  /** The option's value if given ({@code ""} for a bare key). */
  public Optional<String> get(String key) {
    return Optional.ofNullable(options.get(key));
  }

  /**
   * A decimal integer option in {@code [min, max]}, or {@code dflt} when absent or empty.
   *
   * @throws VnlException when the value is not a decimal integer or out of range (vdeplug4 would
   *     silently use 0)
   */
  public int intValue(String key, int dflt, int min, int max) {
    String v = options.get(key);
    if (v == null || v.isEmpty()) return dflt;
    try {
      int n = Integer.parseInt(v.trim());
      if (n < min || n > max) throw bad(key, v, "out of range " + min + ".." + max);
      return n;
    } catch (NumberFormatException e) {
      throw bad(key, v, "not a decimal number");
    }
  }

  /**
   * An octal permission option ({@code mode=0660}), or {@code dflt} when absent or empty.
   *
   * @throws VnlException when the value is not octal or above 07777
   */
  public int octalValue(String key, int dflt) {
    String v = options.get(key);
    if (v == null || v.isEmpty()) return dflt;
    try {
      int n = Integer.parseInt(v.trim(), 8);
      if (n < 0 || n > 07777) throw bad(key, v, "out of range 0..07777");
      return n;
    } catch (NumberFormatException e) {
      throw bad(key, v, "not an octal number");
    }
  }

  /**
   * A byte size as C's {@code strtoull(base 0)} plus optional suffix letters k/K m/M g/G t/T (×2^10
   * … ×2^40), as vxvde's {@code rcvbuf} (vde-protocols.md §1.2), or {@code dflt} when absent or
   * empty.
   *
   * @throws VnlException when the number is malformed or does not fit a long
   */
  public long sizeValue(String key, long dflt) {
    String v = options.get(key);
    if (v == null || v.isEmpty()) return dflt;
    String s = v.trim();
    int end = s.length();
    while (end > 0 && "kKmMgGtT".indexOf(s.charAt(end - 1)) >= 0) end--;
    String digits = s.substring(0, end);
    BigInteger n;
    try {
      if (digits.startsWith("0x") || digits.startsWith("0X"))
        n = new BigInteger(digits.substring(2), 16);
      else if (digits.length() > 1 && digits.startsWith("0"))
        n = new BigInteger(digits.substring(1), 8);
      else n = new BigInteger(digits, 10);
    } catch (NumberFormatException e) {
      throw bad(key, v, "not a number (decimal, 0octal or 0xhex, optional k/m/g/t suffix)");
    }
    for (char c : s.substring(end).toCharArray()) {
      int shift =
          switch (Character.toLowerCase(c)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 40;
          };
      n = n.shiftLeft(shift);
    }
    if (n.bitLength() > 63) throw bad(key, v, "too large");
    return n.longValue();
  }

  /** A {@link VnlException} for option {@code key=value}. */
  public VnlException bad(String key, String value, String reason) {
    return new VnlException(vnl, "option '" + key + "=" + value + "'", reason);
  }
}
