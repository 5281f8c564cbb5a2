package io.kubevde.vdeplug.vnl;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The vdeplug4 token rules of vde-protocols.md §1.2: outside quotes, {@code '...'} and {@code
 * "..."} runs are literal (quotes removed, an unclosed run extends to the end), {@code \} copies
 * the next character literally, {@code %XY} (hex) becomes byte 0xXY and is never a delimiter, an
 * unquoted delimiter ends the token. Percent-decoding does not happen inside quotes. Bytes are
 * decoded as UTF-8.
 */
final class VnlTokenizer {

  /** One token: its decoded value and the index just past its delimiter (or the input length). */
  record Token(String value, int next, boolean delimited) {}

  private VnlTokenizer() {}

  /**
   * Reads one token of {@code s} starting at {@code from}, ended by an unquoted {@code delimiter}
   * or the end.
   */
  static Token next(String s, int from, char delimiter) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    char quote = 0;
    int i = from;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) quote = 0;
        else appendChar(out, s, i);
        i += Character.charCount(s.codePointAt(i));
        continue;
      }
      if (c == '\'' || c == '"') {
        quote = c;
        i++;
      } else if (c == '\\') {
        if (i + 1 < s.length()) {
          appendChar(out, s, i + 1);
          i += 1 + Character.charCount(s.codePointAt(i + 1));
        } else {
          i++;
        }
      } else if (c == '%'
          && i + 2 < s.length()
          && isHex(s.charAt(i + 1))
          && isHex(s.charAt(i + 2))) {
        out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 3;
      } else if (c == delimiter) {
        return new Token(out.toString(StandardCharsets.UTF_8), i + 1, true);
      } else {
        appendChar(out, s, i);
        i += Character.charCount(s.codePointAt(i));
      }
    }
    return new Token(out.toString(StandardCharsets.UTF_8), s.length(), false);
  }

  /**
   * The index of the last {@code target} character of {@code s} at or after {@code from} that is
   * not quoted or escaped, or -1.
   */
  static int lastUnquoted(String s, int from, char target) {
    char quote = 0;
    int last = -1;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\') {
        i++;
      } else if (c == target) {
        last = i;
      }
    }
    return last;
  }

  /**
   * The index of the first {@code target} character of {@code s} at or after {@code from} that is
   * not quoted or escaped, or -1 (the same quoting rules as {@link #lastUnquoted}).
   */
  static int firstUnquoted(String s, int from, char target) {
    char quote = 0;
    for (int i = from; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '\\') {
        i++;
      } else if (c == target) {
        return i;
      }
    }
    return -1;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static void appendChar(ByteArrayOutputStream out, String s, int i) {
    out.writeBytes(
        new String(Character.toChars(s.codePointAt(i))).getBytes(StandardCharsets.UTF_8));
  }
}
