package io.kubevde.vdeplug.plugin.cmd;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Splits a command line into argv the way a POSIX shell splits words, without running a shell
 * (vdeplug4 uses the s2argv library for {@code cmd://}, vde-protocols.md §8): words are separated
 * by unquoted blanks; {@code '...'} is literal; inside {@code "..."} a backslash escapes only
 * {@code " \ $ `} and newline; outside quotes a backslash escapes any character. No globbing, no
 * variables, no redirections.
 */
public final class Argv {
  private Argv() {}

  /**
   * Splits {@code line}.
   *
   * @return the words, or empty when a quote is not closed (the caller names the problem)
   */
  public static Optional<List<String>> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote == '\'') {
        if (c == '\'') quote = 0;
        else cur.append(c);
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\'
            && i + 1 < line.length()
            && "\"\\$`\n".indexOf(line.charAt(i + 1)) >= 0) {
          cur.append(line.charAt(++i));
        } else {
          cur.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\') {
        if (i + 1 < line.length()) cur.append(line.charAt(++i));
        inWord = true;
      } else if (c == ' ' || c == '\t' || c == '\n') {
        if (inWord) {
          words.add(cur.toString());
          cur.setLength(0);
          inWord = false;
        }
      } else {
        cur.append(c);
        inWord = true;
      }
    }
    if (quote != 0) return Optional.empty();
    if (inWord) words.add(cur.toString());
    return Optional.of(words);
  }
}
