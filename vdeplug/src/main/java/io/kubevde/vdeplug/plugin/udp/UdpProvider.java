package io.kubevde.vdeplug.plugin.udp;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Provider of {@code udp://[SRCADDR:]SRCPORT->DSTADDR:DSTPORT} ({@link UdpPlug}, vde-protocols.md
 * §4.2).
 */
public final class UdpProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "udp";
  }

  /**
   * Parses the argument with {@link UdpEndpoints#parse}, resolves it and binds the socket.
   *
   * @throws io.kubevde.vdeplug.vnl.VnlException for a malformed argument (e.g. missing {@code ->})
   * @throws IOException when a name does not resolve or the socket cannot be bound
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    InetSocketAddress[] ends = UdpEndpoints.parse(vnl.text(), vnl.argument()).resolve();
    return new UdpPlug(ends[0], ends[1]);
  }
}
