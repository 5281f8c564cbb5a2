package io.kubevde.agent.device;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.kubevde.agent.device.v1beta1.AllocateRequest;
import io.kubevde.agent.device.v1beta1.AllocateResponse;
import io.kubevde.agent.device.v1beta1.ContainerAllocateRequest;
import io.kubevde.agent.device.v1beta1.ContainerAllocateResponse;
import io.kubevde.agent.device.v1beta1.ContainerPreferredAllocationRequest;
import io.kubevde.agent.device.v1beta1.ContainerPreferredAllocationResponse;
import io.kubevde.agent.device.v1beta1.Device;
import io.kubevde.agent.device.v1beta1.DevicePluginGrpc;
import io.kubevde.agent.device.v1beta1.DevicePluginOptions;
import io.kubevde.agent.device.v1beta1.Empty;
import io.kubevde.agent.device.v1beta1.ListAndWatchResponse;
import io.kubevde.agent.device.v1beta1.Mount;
import io.kubevde.agent.device.v1beta1.PreStartContainerRequest;
import io.kubevde.agent.device.v1beta1.PreStartContainerResponse;
import io.kubevde.agent.device.v1beta1.PreferredAllocationRequest;
import io.kubevde.agent.device.v1beta1.PreferredAllocationResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kubelet's {@code DevicePlugin} service (deviceplugin/v1beta1) for one network: {@code devices}
 * interchangeable slots, all healthy while the network runs here. {@code Allocate} gives each
 * container the network's rendezvous directory, read-write, at {@link
 * DeviceResource#containerPath()} and its path in {@code VDE_SOCKET} and {@link
 * DeviceResource#envName()}. No {@code PreStartContainer}, no preferred allocation (any slot is as
 * good as another).
 */
final class NetworkDevicePlugin extends DevicePluginGrpc.DevicePluginImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkDevicePlugin.class);

  private final DeviceResource resource;
  private final Set<String> ids = new HashSet<>();
  private final ListAndWatchResponse devices;
  private final List<StreamObserver<ListAndWatchResponse>> watchers = new CopyOnWriteArrayList<>();

  NetworkDevicePlugin(DeviceResource resource, int count) {
    if (count < 1) throw new IllegalArgumentException("devices per network must be >= 1: " + count);
    this.resource = resource;
    ListAndWatchResponse.Builder b = ListAndWatchResponse.newBuilder();
    for (int i = 0; i < count; i++) {
      ids.add(resource.deviceId(i));
      b.addDevices(Device.newBuilder().setID(resource.deviceId(i)).setHealth("Healthy"));
    }
    this.devices = b.build();
  }

  @Override
  public void getDevicePluginOptions(Empty request, StreamObserver<DevicePluginOptions> out) {
    out.onNext(DevicePluginOptions.getDefaultInstance());
    out.onCompleted();
  }

  /** Sends the device list once; the stream stays open until {@link #close}. */
  @Override
  public void listAndWatch(Empty request, StreamObserver<ListAndWatchResponse> out) {
    watchers.add(out);
    out.onNext(devices);
  }

  @Override
  public void getPreferredAllocation(
      PreferredAllocationRequest request, StreamObserver<PreferredAllocationResponse> out) {
    PreferredAllocationResponse.Builder b = PreferredAllocationResponse.newBuilder();
    for (ContainerPreferredAllocationRequest c : request.getContainerRequestsList()) {
      List<String> chosen = new java.util.ArrayList<>(c.getMustIncludeDeviceIDsList());
      for (String id : c.getAvailableDeviceIDsList()) {
        if (chosen.size() >= c.getAllocationSize()) break;
        if (!chosen.contains(id)) chosen.add(id);
      }
      b.addContainerResponses(
          ContainerPreferredAllocationResponse.newBuilder().addAllDeviceIDs(chosen));
    }
    out.onNext(b.build());
    out.onCompleted();
  }

  /**
   * One response per container: the rendezvous directory mounted read-write and the two variables.
   * A device ID that is not one of this network's answers {@code INVALID_ARGUMENT}.
   */
  @Override
  public void allocate(AllocateRequest request, StreamObserver<AllocateResponse> out) {
    AllocateResponse.Builder b = AllocateResponse.newBuilder();
    for (ContainerAllocateRequest c : request.getContainerRequestsList()) {
      for (String id : c.getDevicesIdsList()) {
        if (!ids.contains(id)) {
          out.onError(
              Status.INVALID_ARGUMENT
                  .withDescription("not a device of " + resource.resourceName() + ": " + id)
                  .asRuntimeException());
          return;
        }
      }
      b.addContainerResponses(
          ContainerAllocateResponse.newBuilder()
              .addMounts(
                  Mount.newBuilder()
                      .setHostPath(resource.hostDirectory().toString())
                      .setContainerPath(resource.containerPath())
                      .setReadOnly(false))
              .putEnvs(DeviceResource.ENV_SOCKET, resource.containerPath())
              .putEnvs(resource.envName(), resource.containerPath()));
    }
    LOG.info(
        "device plugin "
            + resource.resourceName()
            + ": allocated to "
            + request.getContainerRequestsCount()
            + " container(s)");
    out.onNext(b.build());
    out.onCompleted();
  }

  @Override
  public void preStartContainer(
      PreStartContainerRequest request, StreamObserver<PreStartContainerResponse> out) {
    out.onNext(PreStartContainerResponse.getDefaultInstance());
    out.onCompleted();
  }

  /** Ends every ListAndWatch stream (the network left this node, or the plugin stops). */
  void close() {
    for (StreamObserver<ListAndWatchResponse> w : watchers) {
      try {
        w.onCompleted();
      } catch (RuntimeException e) {
        // the stream is already cancelled by kubelet
      }
    }
    watchers.clear();
  }
}
