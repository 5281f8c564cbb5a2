package io.kubevde.cni.plugin;

import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The training workload for the binary's AOT cache ({@code package.sh} runs it once with
 * {@code -XX:AOTCacheOutput}): the code paths of a real call — VERSION, an ADD answered by a stand-in agent on a temp
 * socket, ADD with the agent unreachable (code 11), DEL without agent, undecodable stdin (code 6) — and picocli's
 * {@code --version}. Not used at run time.
 */
public final class AotTraining {
    private AotTraining() {}

    /** Runs the workload; {@code args[0]} is a scratch directory. */
    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory(args.length > 0 ? Path.of(args[0]) : Path.of(System.getProperty("java.io.tmpdir")), "kvaot");
        Path sock = dir.resolve("agent.sock");
        String cfg = "{\"cniVersion\":\"1.1.0\",\"name\":\"train\",\"type\":\"kubevde\",\"network\":\"default/train\",\"agentSocket\":\""
                + sock + "\",\"ipam\":{\"subnet\":\"10.77.0.0/24\"}}";
        String result = "{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"net1\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":1450,"
                + "\"sandbox\":\"/var/run/netns/x\"}],\"ips\":[{\"address\":\"10.77.0.2/24\",\"interface\":0}]}";
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(sock));
            Thread agent = Thread.ofPlatform().daemon().start(() -> {
                while (true) {
                    try (SocketChannel c = server.accept()) {
                        CniRequest.fromJson(AgentProtocol.readAll(c));
                        AgentProtocol.writeAll(c, result);
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            CniPlugin p = CniPlugin.standard();
            Map<String, String> add = Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "train1", "CNI_NETNS", "/var/run/netns/x",
                    "CNI_IFNAME", "net1", "CNI_PATH", "/opt/cni/bin", "CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p");
            for (int i = 0; i < 3; i++) {
                System.err.println(p.run(add, cfg).stdout().length());
                System.err.println(p.run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.0.0\"}").stdout().length());
            }
            agent.interrupt();
        }
        Files.deleteIfExists(sock);
        String down = cfg.replace(sock.toString(), dir.resolve("none.sock").toString());
        CniPlugin p = CniPlugin.standard();
        System.err.println(p.run(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "train1", "CNI_NETNS", "/var/run/netns/x",
                "CNI_IFNAME", "net1"), down).stdout().length());
        System.err.println(p.run(Map.of("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "train1", "CNI_NETNS", "",
                "CNI_IFNAME", "net1"), down).exitCode());
        System.err.println(p.run(Map.of("CNI_COMMAND", "ADD", "CNI_CONTAINERID", "train1", "CNI_NETNS", "/x",
                "CNI_IFNAME", "net1"), "{not json").exitCode());
        new picocli.CommandLine(new CniPluginMain()).execute("--version");
        Files.deleteIfExists(dir);
    }
}
