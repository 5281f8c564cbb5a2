package io.kubevde.agent;

import io.kubevde.agent.console.ConsoleServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubevde-agent console NETWORK [-n NS]}: a vde-2 management console session
 * (vde-protocols.md §9.3) on the network's switch on this node, through the agent's console socket:
 * stdin lines are commands ({@code port/print}, {@code hash/print}, {@code help}, …), the switch's
 * answers go to stdout; interactive or piped ({@code echo port/print | kubevde-agent console blue
 * -n demo}). Exit status 0 when the session ends (stdin closed or {@code logout}), 1 when the agent
 * refuses (the reason on stderr, e.g. the network is not on this node), 2 for bad arguments.
 */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description = "The vde-2 console of a VdeNetwork's switch on this node (read-only).")
public final class ConsoleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NETWORK", description = "name or namespace/name")
  String network;

  @Option(
      names = {"-n", "--namespace"},
      description = "namespace of NETWORK (default: ${DEFAULT-VALUE})")
  String namespace = "default";

  @Option(
      names = "--socket",
      description = "the agent's console socket (default: ${DEFAULT-VALUE})")
  Path socket = Path.of("/run/kubevde/console.sock");

  /** Where commands come from (stdin; tests replace it). */
  InputStream input = System.in;

  /** Where answers go (stdout; tests replace it). */
  OutputStream output = System.out;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    String net = network.contains("/") ? network : namespace + "/" + network;
    if (!ConsoleServer.NETWORK.matcher(net).matches()) {
      err.println("console: network must be NAME or NAMESPACE/NAME: " + net);
      return 2;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      OutputStream toAgent = Channels.newOutputStream(ch);
      InputStream fromAgent = Channels.newInputStream(ch);
      toAgent.write((net + "\n").getBytes(StandardCharsets.UTF_8));
      toAgent.flush();
      String answer = ConsoleServer.readLine(fromAgent, 4096);
      if (answer == null || !answer.startsWith("OK")) {
        err.println(
            "console: "
                + (answer == null ? "the agent closed the connection" : answer)
                    .replaceFirst("^ERROR ", ""));
        return 1;
      }
      Thread pump =
          Thread.ofPlatform()
              .daemon()
              .name("console-stdin")
              .start(
                  () -> {
                    try {
                      input.transferTo(toAgent);
                      toAgent.flush();
                      ch.shutdownOutput(); // end of commands: the agent ends the session
                    } catch (IOException e) {
                      // the session ended first (logout)
                    }
                  });
      fromAgent.transferTo(output);
      output.flush();
      pump.interrupt();
    } catch (IOException e) {
      err.println("console: agent socket " + socket + ": " + e.getMessage());
      return 1;
    }
    return 0;
  }
}
