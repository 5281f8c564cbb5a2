package io.kubevde.agent.device;

import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * gRPC over unix sockets (kubelet's device-plugin API): servers and channels on one shared epoll
 * event loop (Linux only, as the agent).
 */
public final class UnixGrpc implements AutoCloseable {
  private final EventLoopGroup loop;

  /** A new event loop with {@code threads} threads. */
  public UnixGrpc(int threads) {
    this.loop = new EpollEventLoopGroup(threads);
  }

  /**
   * Serves {@code service} on the unix socket {@code socket} (created; a file already there must be
   * removed by the caller).
   *
   * @throws IOException when the socket cannot be bound
   */
  public Server serve(Path socket, BindableService service) throws IOException {
    return NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loop)
        .workerEventLoopGroup(loop)
        .addService(service)
        .build()
        .start();
  }

  /** A plaintext channel to the unix socket {@code socket}. */
  public ManagedChannel channel(Path socket) {
    return NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollDomainSocketChannel.class)
        .eventLoopGroup(loop)
        .usePlaintext()
        .build();
  }

  /** Shuts {@code server} down, waiting up to 2 s for its calls. */
  public static void stop(Server server) {
    server.shutdownNow();
    try {
      server.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Shuts {@code channel} down, waiting up to 2 s. */
  public static void stop(ManagedChannel channel) {
    channel.shutdownNow();
    try {
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    loop.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
