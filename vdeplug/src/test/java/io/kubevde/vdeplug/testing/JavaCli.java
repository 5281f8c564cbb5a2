package io.kubevde.vdeplug.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Command lines that run this module's Java CLIs ({@code vde_plug}, {@code dpipe}, ...) as separate
 * processes from the test class path, the way a user runs {@code vdeplug/bin/vde_plug}: used to put
 * a Java node inside a network namespace with {@link Proc#start(String, String, List)}.
 */
public final class JavaCli {
  private JavaCli() {}

  /** The java launcher of the JDK running the tests. */
  public static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** {@code java --enable-native-access=ALL-UNNAMED -cp <test class path> mainClass args...}. */
  public static List<String> command(String mainClass, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                javaBin(),
                "--enable-native-access=ALL-UNNAMED",
                "-XX:+UseSerialGC",
                "-Xss512k",
                "-cp",
                System.getProperty("java.class.path"),
                mainClass));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** The Java {@code vde_plug} command with {@code args}. */
  public static List<String> vdePlug(String... args) {
    return command("io.kubevde.vdeplug.cli.VdePlugMain", args);
  }

  /** The Java {@code dpipe} command with {@code args}. */
  public static List<String> dpipe(String... args) {
    return command("io.kubevde.vdeplug.cli.DpipeMain", args);
  }
}
