package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.plugin.vde.VdeReply;
import io.kubevde.vdeplug.plugin.vde.VdeRequest;
import io.kubevde.vdeplug.testing.CStreamPlug;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A {@code vde://} client in another mount namespace announces its data socket by the path it sees
 * (e.g. {@code /run/vde/demo.blue/.00007-00000} in a container), which the node cannot reach: the
 * node finds the socket by name in its own directory ({@link ClientSocket}); hostile announced
 * paths (traversal, symlinks, the node's own sockets, sockets elsewhere on a confined node) are
 * refused and counted in the rendezvous' malformed requests.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ClientSocketMappingTest {
  private Path tmp;
  private Path dir;

  @BeforeEach
  void setUp() {
    tmp = Proc.tempDir("kvmap");
    dir = tmp.resolve("sw");
  }

  @AfterEach
  void tearDown() {
    Sh.exec("rm", "-rf", tmp.toString());
  }

  /** A client data socket bound at {@code path}, as the C client binds it (§3.4 step 5). */
  private static UnixSocket clientSocket(Path path) throws Exception {
    UnixSocket s = UnixSocket.create(LibC.SOCK_DGRAM, false);
    s.bind(path);
    return s;
  }

  /**
   * Sends a request announcing {@code announced}; returns the server's data socket path, or null
   * when the node closed the connection (refused).
   */
  private String request(String announced, SocketChannel ctl) throws Exception {
    ctl.connect(UnixDomainSocketAddress.of(dir.resolve("ctl")));
    ctl.write(ByteBuffer.wrap(new VdeRequest(0, announced, "kvmap test").encode()));
    ByteBuffer reply = ByteBuffer.allocate(VdeReply.SIZE);
    while (reply.hasRemaining()) {
      if (ctl.read(reply) < 0) return null;
    }
    reply.flip();
    return VdeReply.decode(reply).orElseThrow().dataSocket();
  }

  private static long refused(Netnode node) {
    return node.requestStats().orElseThrow().malformedCount();
  }

  @Test
  void clientAnnouncingAForeignPathJoinsWhenItsSocketIsInTheDirectory() throws Exception {
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir).confined());
        UnixSocket data = clientSocket(dir.resolve(".00007-00000"));
        SocketChannel ctl = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      String server = request("/run/vde/demo.blue/.00007-00000", ctl);

      // the reply names the node's data socket in the client's view of the directory
      assertThat(server).matches("/run/vde/demo\\.blue/fd[0-9]+");
      data.connect(dir.resolve(Path.of(server).getFileName())); // where the client's view leads
      byte[] frame = EthFrames.frame(EthFrames.BROADCAST, "02:00:00:00:00:07", 0x88b5, "hello");
      ByteBuffer out = EthFrames.direct(frame);
      assertThat(data.trySend(out)).isEqualTo(frame.length);
      ByteBuffer in = ByteBuffer.allocateDirect(2048);
      assertThat(node.receive(in)).isEqualTo(frame.length); // the host port got the client's frame
      node.send(EthFrames.direct(frame)); // and a flooded frame reaches the client
      ByteBuffer back = ByteBuffer.allocateDirect(2048);
      long deadline = System.nanoTime() + 5_000_000_000L;
      long n;
      while ((n = data.tryReceive(back)) < 0 && System.nanoTime() < deadline) Thread.sleep(10);
      assertThat(n).isEqualTo(frame.length);
      assertThat(node.ports()).hasSize(1);
      assertThat(node.ports().getFirst().description()).isEqualTo("kvmap test");
      assertThat(refused(node)).isZero();
    }
  }

  @Test
  void confinedNodeRefusesASocketOutsideItsDirectory() throws Exception {
    Files.createDirectories(tmp.resolve("elsewhere"));
    Path outside = tmp.resolve("elsewhere/.00008-00000");
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir).confined());
        UnixSocket data = clientSocket(outside);
        SocketChannel ctl = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      assertThat(request(outside.toString(), ctl)).isNull();
      assertThat(node.ports()).isEmpty();
      assertThat(refused(node)).isEqualTo(1);
    }
  }

  @Test
  void unconfinedNodeStillAcceptsASocketOutsideItsDirectoryAsVdeplug4Does() throws Exception {
    Files.createDirectories(tmp.resolve("elsewhere"));
    Path outside = tmp.resolve("elsewhere/vde.00009-00000");
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
        UnixSocket data = clientSocket(outside);
        SocketChannel ctl = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      assertThat(request(outside.toString(), ctl)).startsWith(dir + "/fd"); // not mapped
      assertThat(node.ports()).hasSize(1);
    }
  }

  @Test
  void traversalSymlinksOwnSocketsAndNonSocketsAreRefusedAndCounted() throws Exception {
    Files.createDirectories(tmp.resolve("elsewhere"));
    Path victim = tmp.resolve("elsewhere/victim");
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
        UnixSocket target = clientSocket(victim)) {
      Files.createSymbolicLink(dir.resolve(".00010-00000"), victim);
      Files.writeString(dir.resolve(".00011-00000"), "not a socket");
      List<String> hostile =
          List.of(
              dir + "/../elsewhere/victim", // traversal out of the directory
              "/run/vde/x/../../../" + victim, // traversal from a foreign path
              dir + "/./.00011-00000", // not normalised
              "relative/.00012-00000", // not absolute
              "/run/vde/demo.blue/.00010-00000", // mapped name is a symlink to a host socket
              dir + "/.00010-00000", // the same symlink announced directly
              "/run/vde/demo.blue/.00011-00000", // mapped name is a regular file
              "/run/vde/demo.blue/ctl", // the node's own ctl socket
              "/run/vde/demo.blue/fd5"); // a name of the node's own data sockets
      for (String announced : hostile) {
        try (SocketChannel ctl = SocketChannel.open(StandardProtocolFamily.UNIX)) {
          assertThat(request(announced, ctl)).as(announced).isNull();
        }
      }
      assertThat(node.ports()).isEmpty();
      assertThat(refused(node)).isEqualTo(hostile.size());
      ByteBuffer none = ByteBuffer.allocateDirect(2048);
      assertThat(target.tryReceive(none)).isEqualTo(-LibC.EAGAIN); // nothing reached the victim
    }
  }

  /**
   * The real case: a C {@code vde_plug} in its own mount namespace sees the switch directory at
   * another path and cannot see the node's path (as a container given it by the agent's device
   * plugin): it joins, its socket mapped by name and the reply naming the node's data socket in its
   * own view.
   */
  @Test
  void cVdePlugInAnotherMountNamespaceJoinsThroughABindMount() throws Exception {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("unshare");
    Path view = tmp.resolve("container-view");
    Files.createDirectories(view);
    dir =
        tmp.resolve(
            "host/sw"); // under host/, which the client's namespace hides (as a container's)
    Files.createDirectories(dir.getParent());
    try (Netnode node =
            Netnode.open(
                NetnodeKind.SWITCH,
                new NetnodeConfig(
                        NetnodeConfig.at(dir).directory(),
                        0666,
                        NetnodeConfig.dirModeFor(0666),
                        java.util.Optional.empty(),
                        NetnodeConfig.DEFAULT_HASHSIZE,
                        0,
                        NetnodeConfig.DEFAULT_EXPIRE,
                        0,
                        0,
                        PortLimits.DEFAULT)
                    .confined());
        CStreamPlug c =
            new CStreamPlug(
                null,
                List.of(
                    "unshare",
                    "-m",
                    "--propagation",
                    "private",
                    "sh",
                    "-c",
                    "mount --bind '"
                        + dir
                        + "' '"
                        + view
                        + "' && mount -t tmpfs none '"
                        + dir.getParent()
                        + "' && exec vde_plug vde://"
                        + view))) {
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (node.ports().isEmpty() && c.alive() && System.nanoTime() < deadline) Thread.sleep(20);
      assertThat(node.ports()).as("the C client attached").hasSize(1);
      byte[] frame = EthFrames.frame(EthFrames.BROADCAST, "02:00:00:00:00:0c", 0x88b5, "from-c");
      c.send(frame);
      ByteBuffer in = ByteBuffer.allocateDirect(2048);
      assertThat(node.receive(in)).isEqualTo(frame.length);
      byte[] reply = EthFrames.frame(EthFrames.BROADCAST, "02:00:00:00:00:0d", 0x88b5, "to-c");
      node.send(EthFrames.direct(reply));
      assertThat(c.poll(5000)).isEqualTo(reply);
      assertThat(refused(node)).isZero();
    }
  }
}
