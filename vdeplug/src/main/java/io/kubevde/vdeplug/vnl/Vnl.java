package io.kubevde.vdeplug.vnl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A Virtual Network Locator split into scheme and argument, per vde-protocols.md §1.1: {@code
 * vxvde://239.1.2.3/vni=42} is scheme {@code vxvde}, argument {@code 239.1.2.3/vni=42}; text
 * without {@code ://} is a {@code vde://} switch path ({@code /tmp/sw} ≡ {@code vde:///tmp/sw},
 * {@code ""} ≡ {@code vde://}), after the default-file and regular-file substitutions. Options
 * inside the argument are parsed by the plugin with {@link VnlOptions}.
 *
 * @param text the VNL as given (after substitution from a file, the file's line)
 * @param scheme the scheme, as written (matched case-insensitively by the registry)
 * @param argument the text after the first {@code ://}
 */
public record Vnl(String text, String scheme, String argument) {

  public Vnl {
    if (scheme == null || scheme.isEmpty())
      throw new VnlException(String.valueOf(text), "scheme", "empty scheme");
    if (argument == null) argument = "";
  }

  /** Parses with {@code $HOME} from the environment (vde-protocols.md §1.1). */
  public static Vnl parse(String text) {
    String home = System.getenv("HOME");
    return parse(text, home == null ? null : Path.of(home));
  }

  /**
   * Parses {@code text}, resolving defaults against {@code home}: an empty VNL becomes the first
   * line of {@code home/.vdeplug/default} or {@code home/.vde2/default.switch} if one exists; text
   * naming an existing regular file becomes that file's first line (unlike vdeplug4, a last line
   * without a newline keeps its last character, §12.10); text without {@code ://} is {@code
   * vde://text}.
   *
   * @throws VnlException when the scheme is empty ({@code "://x"}) or a default file cannot be read
   */
  public static Vnl parse(String text, Path home) {
    String s = text == null ? "" : text;
    if (s.isEmpty() && home != null) {
      for (Path candidate :
          new Path[] {home.resolve(".vdeplug/default"), home.resolve(".vde2/default.switch")}) {
        if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)) {
          s = candidate.toString();
          break;
        }
      }
    }
    if (!s.contains("://") && !s.isEmpty()) {
      Optional<String> line = firstLineOfRegularFile(text == null ? "" : text, s);
      if (line.isPresent()) s = line.get();
    }
    int sep = s.indexOf("://");
    if (sep < 0) return new Vnl(s, "vde", s);
    if (sep == 0) throw new VnlException(s, "scheme", "empty scheme before '://'");
    return new Vnl(s, s.substring(0, sep), s.substring(sep + 3));
  }

  private static Optional<String> firstLineOfRegularFile(String original, String candidate) {
    Path p;
    try {
      p = Path.of(candidate);
    } catch (java.nio.file.InvalidPathException e) {
      return Optional.empty();
    }
    if (!Files.isRegularFile(p)) return Optional.empty();
    try (var reader = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
      String line = reader.readLine();
      return Optional.of(line == null ? "" : line.strip());
    } catch (IOException | UncheckedIOException e) {
      throw new VnlException(
          original, "default file '" + p + "'", "cannot be read: " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return scheme + "://" + argument;
  }
}
