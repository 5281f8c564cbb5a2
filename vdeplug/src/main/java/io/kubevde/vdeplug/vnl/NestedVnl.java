package io.kubevde.vdeplug.vnl;

import java.util.Optional;

/**
 * A VNL argument that carries another VNL in braces, as vdeplug4's {@code vde_parsenestparms} (used by wrapper
 * plugins such as agno: {@code agno:///tmp/key[ethtype=copy]{vxvde://239.1.2.3}}):
 * {@code OUTER{INNER}}. The outer part is the text before the first unquoted {@code {}; the inner VNL is the raw text
 * between that brace and the <b>last</b> unquoted {@code }}, so the inner VNL may itself contain braces, brackets,
 * slashes and quotes; it is not decoded here (its own scheme parses it when it is opened). Quotes and {@code \}
 * escapes hide braces as in vde-protocols.md §1.2.
 *
 * <p>Stricter than vdeplug4 (which takes the rest of the string when {@code }} is missing and ignores text after it):
 * a missing {@code }}, an empty inner VNL and non-blank text after the closing brace are errors.
 *
 * @param outer the argument before the {@code {} (to be parsed with {@link VnlOptions}); may be empty
 * @param inner the nested VNL text, never empty
 */
public record NestedVnl(String outer, String inner) {

  /**
   * Splits {@code argument} (the text after {@code scheme://}).
   *
   * @param vnl      the whole VNL text, for error messages
   * @param argument the argument to split
   * @return empty when the argument has no unquoted {@code {}
   * @throws VnlException when the braces are unbalanced, the inner VNL is empty or text follows the closing brace
   */
  public static Optional<NestedVnl> find(String vnl, String argument) {
    int open = VnlTokenizer.firstUnquoted(argument, 0, '{');
    if (open < 0) return Optional.empty();
    int close = VnlTokenizer.lastUnquoted(argument, open + 1, '}');
    if (close < 0)
      throw new VnlException(vnl, "nested VNL '" + argument.substring(open) + "'", "missing '}'");
    String after = argument.substring(close + 1);
    if (!after.isBlank()) {
      throw new VnlException(
          vnl, "text '" + after + "'", "unexpected after the nested VNL's closing '}'");
    }
    String inner = argument.substring(open + 1, close).strip();
    if (inner.isEmpty()) throw new VnlException(vnl, "nested VNL '{}'", "empty");
    return Optional.of(new NestedVnl(argument.substring(0, open), inner));
  }

  /**
   * Like {@link #find} but the nested VNL is mandatory.
   *
   * @param usage the expected syntax, for the error message (e.g. {@code
   *     "seal://KEYFILE[OPTIONS]{VNL}"})
   * @throws VnlException when there is no nested VNL or {@link #find} fails
   */
  public static NestedVnl require(String vnl, String argument, String usage) {
    return find(vnl, argument)
        .orElseThrow(
            () ->
                new VnlException(
                    vnl,
                    "argument '" + argument + "'",
                    "missing the nested VNL in braces (expected " + usage + ")"));
  }
}
