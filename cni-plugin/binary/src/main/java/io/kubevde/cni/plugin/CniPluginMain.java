package io.kubevde.cni.plugin;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the {@code kubevde} CNI binary: wiring only. The runtime passes the CNI
 * environment and the network configuration on stdin (CNI SPEC 1.1.0); the result or error JSON
 * goes to stdout, logs to stderr, exit 0 on success. Command-line arguments are not part of CNI;
 * only {@code --help} and {@code --version} exist.
 */
@Command(
    name = "kubevde",
    mixinStandardHelpOptions = true,
    version = "kubevde CNI plugin 0.1.0 (CNI 0.3.0-1.1.0)",
    description =
        "CNI plugin for kubevde: reads CNI_* environment and the network config on stdin, "
            + "forwards to the kubevde node agent (default socket /run/kubevde/cni.sock).")
public final class CniPluginMain implements Callable<Integer> {

  /** Runs the binary; exits with the CNI exit code. */
  public static void main(String[] args) {
    // the CNI path (no arguments) skips picocli; halt() instead of exit(): exit() initialises the
    // JDK's logging
    // machinery to log the exit (~5 ms in this interpreter-only JVM); there are no shutdown hooks
    // to run
    int code = args.length == 0 ? invoke() : new CommandLine(new CniPluginMain()).execute(args);
    System.out.flush();
    System.err.flush();
    Runtime.getRuntime().halt(code);
  }

  @Override
  public Integer call() {
    return invoke();
  }

  private static int invoke() {
    return run(
        System.getenv(),
        System.in,
        new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8),
        System.err);
  }

  /**
   * One CNI invocation: reads the config from {@code in}, prints the result or error JSON on {@code
   * out} and log lines on {@code err}; returns the exit code. (The AOT training run calls this
   * several times in one JVM.)
   */
  static int run(Map<String, String> env, InputStream in, PrintStream out, PrintStream err) {
    String stdin;
    try {
      stdin = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      stdin = null;
    }
    CniPlugin.Outcome o = CniPlugin.standard().run(env, stdin);
    out.print(o.stdout());
    out.flush();
    if (!o.stderr().isEmpty()) {
      err.print(o.stderr());
      err.flush();
    }
    return o.exitCode();
  }
}
