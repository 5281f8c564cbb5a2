package io.kubevde.cni.protocol;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON (RFC 8259) reader and writer for the CNI binary and the agent's CNI server: values
 * are {@code Map<String,Object>} (insertion-ordered), {@code List<Object>}, {@code String}, {@code
 * Long} (integral numbers that fit), {@code BigDecimal} (other numbers), {@code Boolean} and {@code
 * null}. {@link Raw} splices already-encoded JSON into the output unchanged (the stdin network
 * config is forwarded to the agent byte for byte).
 *
 * <p>Why not Jackson: see cni-plugin/README.md ("JSON"): the binary is one JVM per CNI call and
 * this class costs a handful of classes where jackson-databind loads several hundred.
 */
public final class Json {
  private Json() {}

  /**
   * Already-encoded JSON text written verbatim by {@link #write}; the caller guarantees it is valid
   * JSON.
   */
  public record Raw(String json) {}

  /**
   * Parses one JSON value filling the whole text (surrounding whitespace allowed).
   *
   * @throws JsonException with the character offset when the text is not JSON
   */
  public static Object parse(String text) {
    Reader r = new Reader(text);
    r.ws();
    Object v = r.value(0);
    r.ws();
    if (r.pos != text.length()) throw r.error("trailing characters after the JSON value");
    return v;
  }

  /**
   * Parses a JSON object; throws {@link JsonException} when the text is not JSON or not an object.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text) {
    Object v = parse(text);
    if (!(v instanceof Map)) throw new JsonException("expected a JSON object, got " + typeName(v));
    return (Map<String, Object>) v;
  }

  /**
   * Encodes {@code value} compactly (no whitespace); throws IllegalArgumentException on a non-JSON
   * type.
   */
  public static String write(Object value) {
    StringBuilder sb = new StringBuilder(256);
    write(sb, value);
    return sb.toString();
  }

  /** Appends the encoding of {@code value} to {@code sb}. */
  public static void write(StringBuilder sb, Object value) {
    // instanceof chains rather than a pattern switch: a type switch bootstraps (spins a class) at
    // run time, which
    // costs milliseconds in the CNI binary's interpreter-only JVM
    if (value == null) {
      sb.append("null");
    } else if (value instanceof String s) {
      string(sb, s);
    } else if (value instanceof Raw r) {
      sb.append(r.json());
    } else if (value instanceof Boolean || value instanceof Long || value instanceof Integer) {
      sb.append(value);
    } else if (value instanceof BigDecimal d) {
      sb.append(d.toString());
    } else if (value instanceof Number n) {
      sb.append(n);
    } else if (value instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) sb.append(',');
        first = false;
        string(sb, String.valueOf(e.getKey()));
        sb.append(':');
        write(sb, e.getValue());
      }
      sb.append('}');
    } else if (value instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) sb.append(',');
        write(sb, l.get(i));
      }
      sb.append(']');
    } else {
      throw new IllegalArgumentException("not a JSON value: " + value.getClass().getName());
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
          else sb.append(c);
        }
      }
    }
    sb.append('"');
  }

  /** A short name of the JSON type of a parsed value, for error messages. */
  public static String typeName(Object v) {
    if (v == null) return "null";
    if (v instanceof Map) return "object";
    if (v instanceof List) return "array";
    if (v instanceof String) return "string";
    if (v instanceof Boolean) return "boolean";
    return "number";
  }

  private static final class Reader {
    private static final int MAX_DEPTH = 256;
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    JsonException error(String what) {
      return new JsonException(what + " at offset " + pos);
    }

    void ws() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
        else break;
      }
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) throw error("nesting deeper than " + MAX_DEPTH);
      if (pos >= s.length()) throw error("unexpected end of input");
      char c = s.charAt(pos);
      return switch (c) {
        case '{' -> object(depth);
        case '[' -> array(depth);
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) yield number();
          throw error("unexpected character '" + c + "'");
        }
      };
    }

    Object literal(String word, Object v) {
      if (!s.startsWith(word, pos)) throw error("invalid literal");
      pos += word.length();
      return v;
    }

    Map<String, Object> object(int depth) {
      pos++;
      Map<String, Object> m = new LinkedHashMap<>();
      ws();
      if (pos < s.length() && s.charAt(pos) == '}') {
        pos++;
        return m;
      }
      while (true) {
        ws();
        if (pos >= s.length() || s.charAt(pos) != '"') throw error("expected a string key");
        String k = string();
        ws();
        expect(':');
        ws();
        m.put(k, value(depth + 1));
        ws();
        if (pos >= s.length()) throw error("unterminated object");
        char c = s.charAt(pos++);
        if (c == '}') return m;
        if (c != ',') throw error("expected ',' or '}'");
      }
    }

    List<Object> array(int depth) {
      pos++;
      List<Object> l = new ArrayList<>();
      ws();
      if (pos < s.length() && s.charAt(pos) == ']') {
        pos++;
        return l;
      }
      while (true) {
        ws();
        l.add(value(depth + 1));
        ws();
        if (pos >= s.length()) throw error("unterminated array");
        char c = s.charAt(pos++);
        if (c == ']') return l;
        if (c != ',') throw error("expected ',' or ']'");
      }
    }

    void expect(char c) {
      if (pos >= s.length() || s.charAt(pos) != c) throw error("expected '" + c + "'");
      pos++;
    }

    String string() {
      pos++;
      StringBuilder sb = null;
      int start = pos;
      while (true) {
        if (pos >= s.length()) throw error("unterminated string");
        char c = s.charAt(pos);
        if (c == '"') {
          String out = sb == null ? s.substring(start, pos) : sb.append(s, start, pos).toString();
          pos++;
          return out;
        }
        if (c < 0x20) throw error("control character in string");
        if (c == '\\') {
          if (sb == null) sb = new StringBuilder();
          sb.append(s, start, pos);
          pos++;
          if (pos >= s.length()) throw error("unterminated escape");
          char e = s.charAt(pos++);
          switch (e) {
            case '"' -> sb.append('"');
            case '\\' -> sb.append('\\');
            case '/' -> sb.append('/');
            case 'b' -> sb.append('\b');
            case 'f' -> sb.append('\f');
            case 'n' -> sb.append('\n');
            case 'r' -> sb.append('\r');
            case 't' -> sb.append('\t');
            case 'u' -> {
              if (pos + 4 > s.length()) throw error("short \\u escape");
              int cp = 0;
              for (int i = 0; i < 4; i++) {
                int d = Character.digit(s.charAt(pos++), 16);
                if (d < 0) throw error("bad \\u escape");
                cp = cp * 16 + d;
              }
              sb.append((char) cp);
            }
            default -> throw error("bad escape '\\" + e + "'");
          }
          start = pos;
        } else {
          pos++;
        }
      }
    }

    Object number() {
      int start = pos;
      if (s.charAt(pos) == '-') pos++;
      int intStart = pos;
      while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
      if (pos == intStart) throw error("bad number");
      if (s.charAt(intStart) == '0' && pos - intStart > 1) throw error("leading zero in number");
      boolean integral = true;
      if (pos < s.length() && s.charAt(pos) == '.') {
        integral = false;
        pos++;
        int f = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
        if (pos == f) throw error("bad fraction");
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        integral = false;
        pos++;
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) pos++;
        int e = pos;
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) pos++;
        if (pos == e) throw error("bad exponent");
      }
      String t = s.substring(start, pos);
      if (integral && pos - start < 19) return Long.parseLong(t);
      return new BigDecimal(t);
    }
  }
}
