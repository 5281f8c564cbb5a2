package io.kubevde.agent;

import io.kubevde.agent.capture.CaptureRequest;
import io.kubevde.agent.capture.CaptureServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubevde-agent capture NETWORK [--pod NS/NAME | --mac MAC] [-c N] [-s SNAPLEN] [-w FILE]}:
 * asks the agent on this node (its capture socket) for a network's frames and writes them as pcapng
 * to FILE or stdout ({@code -w -}, the default), for {@code tcpdump -r}, Wireshark, or {@code
 * kubectl exec … | wireshark -k -i -}. Exit status 0 at the end of the stream, 1 when the agent
 * refuses (the reason on stderr), 2 for bad options.
 */
@Command(
    name = "capture",
    mixinStandardHelpOptions = true,
    description =
        "Capture a VdeNetwork's frames on this node as pcapng (through the agent's capture socket).")
public final class CaptureCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NETWORK", description = "the VdeNetwork: namespace/name")
  String network;

  @Option(
      names = "--pod",
      paramLabel = "NS/NAME",
      description = "only the frames of this pod's interfaces on the network")
  String pod;

  @Option(names = "--mac", description = "only the frames to or from this MAC")
  String mac;

  @Option(
      names = {"-c", "--count"},
      description = "stop after this many frames (default: until interrupted)")
  long count;

  @Option(
      names = {"-s", "--snaplen"},
      description = "bytes kept per frame (default: ${DEFAULT-VALUE})")
  int snaplen = CaptureRequest.MAX_SNAPLEN;

  @Option(
      names = {"-w", "--write"},
      paramLabel = "FILE",
      description = "pcapng output file, - = stdout (default: ${DEFAULT-VALUE})")
  String file = "-";

  @Option(
      names = "--socket",
      description = "the agent's capture socket (default: ${DEFAULT-VALUE})")
  Path socket = Path.of("/run/kubevde/capture.sock");

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    CaptureRequest req;
    try {
      req = new CaptureRequest(network, pod, mac, snaplen, count);
    } catch (IllegalArgumentException e) {
      err.println("capture: " + e.getMessage());
      return 2;
    }
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      ByteBuffer b = ByteBuffer.wrap((req.toJson() + "\n").getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) ch.write(b);
      String answer = CaptureServer.readLine(ch, 4096);
      if (!answer.startsWith("OK")) {
        err.println("capture: " + answer.replaceFirst("^ERROR ", ""));
        return 1;
      }
      err.println("capture: " + answer.substring(2).trim());
      try (OutputStream out =
          file.equals("-") ? System.out : Files.newOutputStream(Path.of(file))) {
        Channels.newInputStream(ch).transferTo(out);
        out.flush();
      }
    } catch (IOException | IllegalArgumentException e) {
      err.println("capture: agent socket " + socket + ": " + e.getMessage());
      return 1;
    }
    return 0;
  }
}
