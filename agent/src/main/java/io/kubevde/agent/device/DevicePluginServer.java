package io.kubevde.agent.device;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.kubevde.agent.device.v1beta1.DevicePluginOptions;
import io.kubevde.agent.device.v1beta1.RegisterRequest;
import io.kubevde.agent.device.v1beta1.RegistrationGrpc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * One network's device plugin: its {@link NetworkDevicePlugin} served on {@code
 * <dir>/vde-<ns>.<name>.sock}, registered with kubelet on {@code <dir>/kubelet.sock}
 * (deviceplugin/v1beta1 {@code Registration.Register}: version {@code v1beta1}, the socket's file
 * name as endpoint, the resource name).
 */
final class DevicePluginServer implements AutoCloseable {
  /** The API version kubelet is told (deviceplugin/v1beta1). */
  static final String VERSION = "v1beta1";

  private final DeviceResource resource;
  private final Path socket;
  private final NetworkDevicePlugin plugin;
  private final Server server;

  private DevicePluginServer(
      DeviceResource resource, Path socket, NetworkDevicePlugin plugin, Server server) {
    this.resource = resource;
    this.socket = socket;
    this.plugin = plugin;
    this.server = server;
  }

  /**
   * Serves {@code resource} in {@code dir} ({@code devices} slots), then registers it with the
   * kubelet of {@code dir/kubelet.sock}.
   *
   * @throws IOException when the socket cannot be served or kubelet refuses or does not answer the
   *     registration within 5 s (the server is stopped again)
   */
  static DevicePluginServer start(DeviceResource resource, Path dir, int devices, UnixGrpc grpc)
      throws IOException {
    Path socket = dir.resolve(resource.endpoint());
    Files.deleteIfExists(socket);
    NetworkDevicePlugin plugin = new NetworkDevicePlugin(resource, devices);
    Server server = grpc.serve(socket, plugin);
    DevicePluginServer s = new DevicePluginServer(resource, socket, plugin, server);
    ManagedChannel kubelet = grpc.channel(dir.resolve("kubelet.sock"));
    try {
      RegistrationGrpc.newBlockingStub(kubelet)
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .register(
              RegisterRequest.newBuilder()
                  .setVersion(VERSION)
                  .setEndpoint(resource.endpoint())
                  .setResourceName(resource.resourceName())
                  .setOptions(DevicePluginOptions.getDefaultInstance())
                  .build());
    } catch (RuntimeException e) {
      s.close();
      throw new IOException(
          "kubelet registration of " + resource.resourceName() + " failed: " + e.getMessage(), e);
    } finally {
      UnixGrpc.stop(kubelet);
    }
    return s;
  }

  DeviceResource resource() {
    return resource;
  }

  /**
   * Whether the socket file is still there (kubelet removes every plugin socket when it starts).
   */
  boolean socketPresent() {
    return Files.exists(socket);
  }

  /** Ends the ListAndWatch streams, stops the server, removes the socket. */
  @Override
  public void close() {
    plugin.close();
    UnixGrpc.stop(server);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // kubelet's directory: a socket left there is removed at the next start
    }
  }
}
