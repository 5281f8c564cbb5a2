package io.kubevde.vdeplug.vdeswitch;

/**
 * How vde_switch's console reads numbers from a command's argument text (vde-protocols.md §9.3), so
 * that the Java console answers the same reply code for the same line: {@code INTARG} commands get
 * {@code atoi(arg)} (leading decimal digits, 0 when there are none), {@code STRARG} commands scan
 * {@code sscanf(arg, "%i %i")} (decimal, {@code 0x} hex or leading-zero octal; fewer numbers than
 * asked is an invalid argument).
 */
final class CArgs {
  private CArgs() {}

  /**
   * C {@code atoi}: optional blanks, an optional sign, decimal digits; 0 when no digit follows.
   * Values beyond the int range saturate (glibc's strtol, cast).
   */
  static int atoi(String s) {
    int i = skipBlanks(s, 0);
    boolean neg = false;
    if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) neg = s.charAt(i++) == '-';
    long v = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i)) && s.charAt(i) < 128) {
      v = Math.min(v * 10 + (s.charAt(i++) - '0'), 1L << 32);
    }
    return (int) Math.clamp(neg ? -v : v, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  /**
   * C {@code sscanf(s, "%i %i …")} for {@code count} numbers.
   *
   * @return the numbers, or null when fewer than {@code count} could be read
   */
  static int[] scanInts(String s, int count) {
    int[] out = new int[count];
    int i = 0;
    for (int k = 0; k < count; k++) {
      i = skipBlanks(s, i);
      int start = i;
      boolean neg = false;
      if (i < s.length() && (s.charAt(i) == '-' || s.charAt(i) == '+')) neg = s.charAt(i++) == '-';
      int radix = 10;
      if (s.startsWith("0x", i) || s.startsWith("0X", i)) {
        if (i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
          radix = 16;
          i += 2;
        }
      } else if (s.startsWith("0", i)) {
        radix = 8;
      }
      long v = 0;
      int digits = 0;
      while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), radix) >= 0) {
        v = Math.min(v * radix + Character.digit(s.charAt(i++), radix), 1L << 32);
        digits++;
      }
      if (digits == 0) return null;
      if (start == i) return null;
      out[k] = (int) (neg ? -v : v);
    }
    return out;
  }

  /**
   * The text after the first blank-separated word, blanks skipped: vde_switch's {@code port/setuser
   * N USER} and {@code port/setgroup N GROUP} take the rest of the line as the name.
   */
  static String afterFirstWord(String s) {
    int i = skipBlanks(s, 0);
    while (i < s.length() && s.charAt(i) != ' ') i++;
    return s.substring(skipBlanks(s, i));
  }

  private static int skipBlanks(String s, int i) {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) i++;
    return i;
  }
}
