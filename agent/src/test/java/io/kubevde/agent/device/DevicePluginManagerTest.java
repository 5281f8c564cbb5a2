package io.kubevde.agent.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.SwitchLimits;
import io.kubevde.agent.device.v1beta1.AllocateRequest;
import io.kubevde.agent.device.v1beta1.AllocateResponse;
import io.kubevde.agent.device.v1beta1.ContainerAllocateRequest;
import io.kubevde.agent.device.v1beta1.ContainerAllocateResponse;
import io.kubevde.agent.device.v1beta1.Device;
import io.kubevde.agent.device.v1beta1.DevicePluginGrpc;
import io.kubevde.agent.device.v1beta1.Empty;
import io.kubevde.agent.device.v1beta1.ListAndWatchResponse;
import io.kubevde.agent.device.v1beta1.RegisterRequest;
import io.kubevde.agent.device.v1beta1.RegistrationGrpc;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The device plugins against a kubelet stand-in: a real gRPC {@code Registration} server on {@code
 * kubelet.sock} in a temporary device-plugin directory, and a real gRPC client calling the plugins'
 * sockets the way kubelet does (GetDevicePluginOptions, ListAndWatch, Allocate). The networks are
 * real switches of a {@link DataPlane}.
 */
class DevicePluginManagerTest {
  private Path tmp;
  private Path pluginDir;
  private DataPlane dataPlane;
  private UnixGrpc grpc;
  private Server kubelet;
  private final BlockingQueue<RegisterRequest> registrations = new LinkedBlockingQueue<>();

  @BeforeEach
  void setUp() throws Exception {
    // short paths: a unix socket path has at most 107 bytes
    tmp = Files.createTempDirectory(Path.of("/tmp"), "kvdp");
    pluginDir = Files.createDirectories(tmp.resolve("dp"));
    dataPlane = new DataPlane(tmp.resolve("run"), null, null, SwitchLimits.DEFAULT, 0666);
    grpc = new UnixGrpc(1);
    kubelet = startKubelet();
  }

  @AfterEach
  void tearDown() {
    if (kubelet != null) UnixGrpc.stop(kubelet);
    grpc.close();
    dataPlane.close();
    Dirs.deleteTree(tmp);
  }

  /** kubelet's Registration service: records each request, answers Empty. */
  private Server startKubelet() throws Exception {
    return grpc.serve(
        pluginDir.resolve("kubelet.sock"),
        new RegistrationGrpc.RegistrationImplBase() {
          @Override
          public void register(RegisterRequest request, StreamObserver<Empty> out) {
            registrations.add(request);
            out.onNext(Empty.getDefaultInstance());
            out.onCompleted();
          }
        });
  }

  private RegisterRequest nextRegistration() throws InterruptedException {
    RegisterRequest r = registrations.poll(20, TimeUnit.SECONDS);
    assertThat(r).as("a registration within 20 s").isNotNull();
    return r;
  }

  @Test
  void eachNetworkIsRegisteredAndAllocatesItsRendezvousDirectory() throws Exception {
    dataPlane.apply(AgentNetworkConfig.local("demo/blue"));
    try (DevicePluginManager m = new DevicePluginManager(pluginDir, dataPlane, 4, 200)) {
      m.start();
      RegisterRequest reg = nextRegistration();
      assertThat(reg.getVersion()).isEqualTo("v1beta1");
      assertThat(reg.getResourceName()).isEqualTo("vde.kubevde.io/demo.blue");
      assertThat(reg.getEndpoint()).isEqualTo("vde-demo.blue.sock");
      assertThat(pluginDir.resolve(reg.getEndpoint())).exists();

      ManagedChannel ch = grpc.channel(pluginDir.resolve(reg.getEndpoint()));
      try {
        DevicePluginGrpc.DevicePluginBlockingStub plugin =
            DevicePluginGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertThat(plugin.getDevicePluginOptions(Empty.getDefaultInstance()).getPreStartRequired())
            .isFalse();
        Iterator<ListAndWatchResponse> watch = plugin.listAndWatch(Empty.getDefaultInstance());
        List<Device> devices = watch.next().getDevicesList();
        assertThat(devices)
            .extracting(Device::getID)
            .containsExactly("demo.blue-0", "demo.blue-1", "demo.blue-2", "demo.blue-3");
        assertThat(devices).extracting(Device::getHealth).containsOnly("Healthy");

        AllocateResponse a =
            plugin.allocate(
                AllocateRequest.newBuilder()
                    .addContainerRequests(
                        ContainerAllocateRequest.newBuilder().addDevicesIds("demo.blue-2"))
                    .build());
        assertThat(a.getContainerResponsesCount()).isEqualTo(1);
        ContainerAllocateResponse c = a.getContainerResponses(0);
        assertThat(c.getMountsCount()).isEqualTo(1);
        assertThat(c.getMounts(0).getHostPath())
            .isEqualTo(dataPlane.directoryOf("demo/blue").toString());
        assertThat(c.getMounts(0).getContainerPath()).isEqualTo("/run/vde/demo.blue");
        assertThat(c.getMounts(0).getReadOnly()).isFalse();
        assertThat(c.getEnvsMap())
            .containsEntry("VDE_SOCKET", "/run/vde/demo.blue")
            .containsEntry("VDE_SOCKET_DEMO_BLUE", "/run/vde/demo.blue");
        assertThat(Files.exists(Path.of(c.getMounts(0).getHostPath(), "ctl")))
            .as("the mounted directory is the live rendezvous")
            .isTrue();

        assertThatThrownBy(
                () ->
                    plugin.allocate(
                        AllocateRequest.newBuilder()
                            .addContainerRequests(
                                ContainerAllocateRequest.newBuilder().addDevicesIds("other-0"))
                            .build()))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      } finally {
        UnixGrpc.stop(ch);
      }
      assertThat(m.registered()).containsExactly("vde.kubevde.io/demo.blue");
    }
    assertThat(pluginDir.resolve("vde-demo.blue.sock")).as("removed on close").doesNotExist();
  }

  @Test
  void networksComingAndGoingAreRegisteredAndEndTheirStream() throws Exception {
    try (DevicePluginManager m = new DevicePluginManager(pluginDir, dataPlane, 2, 200)) {
      m.start();
      dataPlane.apply(AgentNetworkConfig.local("demo/red"));
      assertThat(nextRegistration().getResourceName()).isEqualTo("vde.kubevde.io/demo.red");
      ManagedChannel ch = grpc.channel(pluginDir.resolve("vde-demo.red.sock"));
      try {
        Iterator<ListAndWatchResponse> watch =
            DevicePluginGrpc.newBlockingStub(ch)
                .withDeadlineAfter(20, TimeUnit.SECONDS)
                .listAndWatch(Empty.getDefaultInstance());
        assertThat(watch.next().getDevicesCount()).isEqualTo(2);
        dataPlane.remove("demo/red");
        // the stream ends (kubelet then marks the devices unhealthy) and the socket goes
        assertThat(hasNextOrFails(watch)).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> m.registered().isEmpty());
        assertThat(pluginDir.resolve("vde-demo.red.sock")).doesNotExist();
      } finally {
        UnixGrpc.stop(ch);
      }
    }
  }

  private static boolean hasNextOrFails(Iterator<?> it) {
    try {
      return it.hasNext();
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  @Test
  void aRestartedKubeletGetsEveryResourceRegisteredAgain() throws Exception {
    dataPlane.apply(AgentNetworkConfig.local("demo/blue"));
    dataPlane.apply(AgentNetworkConfig.local("other/blue"));
    try (DevicePluginManager m = new DevicePluginManager(pluginDir, dataPlane, 1, 200)) {
      m.start();
      assertThat(List.of(nextRegistration(), nextRegistration()))
          .extracting(RegisterRequest::getResourceName)
          .containsExactlyInAnyOrder("vde.kubevde.io/demo.blue", "vde.kubevde.io/other.blue");

      // kubelet restarts as it does: its socket goes, it removes every plugin socket, then
      // listens on a new kubelet.sock
      UnixGrpc.stop(kubelet);
      Files.deleteIfExists(pluginDir.resolve("kubelet.sock"));
      try (var files = Files.list(pluginDir)) {
        for (Path p : files.toList()) Files.delete(p);
      }
      kubelet = startKubelet();
      assertThat(List.of(nextRegistration(), nextRegistration()))
          .extracting(RegisterRequest::getResourceName)
          .containsExactlyInAnyOrder("vde.kubevde.io/demo.blue", "vde.kubevde.io/other.blue");
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(pluginDir.resolve("vde-demo.blue.sock")).exists());
      assertThat(registrations).as("no further registrations").isEmpty();
    }
  }

  @Test
  void aNonRootClientJoinsTheRendezvousDirectory() throws Exception {
    Host.requireRoot("runs vde_plug as user nobody");
    Host.requireTool("vde_plug", "vdeplug");
    Host.requireTool("setpriv", "util-linux");
    dataPlane.apply(AgentNetworkConfig.local("demo/blue"));
    Path rdv = dataPlane.directoryOf("demo/blue");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(rdv.resolve("ctl"))))
        .isEqualTo("rw-rw-rw-");
    // a container sees the directory itself (a bind mount); here its parents must be searchable
    for (Path p = rdv.getParent(); p.startsWith(tmp); p = p.getParent())
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    Process p =
        new ProcessBuilder(
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "vde_plug",
                "vde://" + rdv,
                "null://")
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("vde_plug.log").toFile())
            .start();
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(100))
          .failFast("vde_plug exited", () -> !p.isAlive())
          .until(() -> dataPlane.network("demo/blue").orElseThrow().node().ports().size() == 1);
    } finally {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
    }
  }
}
