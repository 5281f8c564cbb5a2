package io.kubevde.agent.ipam;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.IpamConfig;
import io.kubevde.agent.model.NetConf;
import io.kubevde.api.net.Cidr;
import io.kubevde.cni.protocol.CniError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A host-local-like address allocator (the reference plugin's on-disk layout): one directory per CNI network under
 * {@code <stateDir>/ipam/}, one file per reserved address named by the address, holding {@code containerId\nifName\n}.
 * A reservation is an atomic {@code CREATE_NEW}, so it survives agent restarts and two agents can never hand out one
 * address. Allocation walks the range from the address after the last one handed out (round robin, so a released
 * address is not reused at once). Thread-safe (one lock per network).
 */
public final class IpAllocator {
    private final Path root;
    private final Map<String, Object> locks = new HashMap<>();
    private final Map<String, BigInteger> cursor = new HashMap<>();

    /** @param root the {@code ipam} directory (created when missing) */
    public IpAllocator(Path root) {
        this.root = root;
    }

    private Object lock(String network) {
        synchronized (locks) {
            return locks.computeIfAbsent(network, n -> new Object());
        }
    }

    private Path dir(String network) throws IOException {
        Path d = root.resolve(AttachmentKey.encode(network));
        Files.createDirectories(d);
        return d;
    }

    /**
     * Reserves the addresses of {@code key}: the requested ones ({@code runtimeConfig.ips}) if any, else one from the
     * IPAM range; none when the network is pure L2.
     *
     * @return the reserved addresses with their prefix length
     * @throws CniError.Failure code 102 when the range is exhausted, 7 when a requested address is taken or malformed
     */
    public List<Cidr> allocate(NetConf conf, AttachmentKey key) {
        IpamConfig ipam = conf.ipam();
        synchronized (lock(key.network())) {
            try {
                Path d = dir(key.network());
                List<Cidr> out = new ArrayList<>();
                if (!conf.ips().isEmpty()) {
                    for (String req : conf.ips()) {
                        Cidr c;
                        try {
                            c = Cidr.parse(req.contains("/") || ipam == null || !ipam.allocates() ? req : req + "/" + ipam.subnet().prefix());
                        } catch (IllegalArgumentException e) {
                            throw NetConf.invalid("runtimeConfig.ips: " + e.getMessage());
                        }
                        if (!reserve(d, c.address(), c.v6(), key)) {
                            release(key);
                            throw NetConf.invalid("requested address " + c.ip() + " is already in use");
                        }
                        out.add(c);
                    }
                    return out;
                }
                if (ipam == null || !ipam.allocates()) return out;
                BigInteger size = ipam.rangeEnd().subtract(ipam.rangeStart()).add(BigInteger.ONE);
                BigInteger start = cursor.getOrDefault(key.network(), ipam.rangeEnd());
                BigInteger ip = start;
                long limit = size.min(BigInteger.valueOf(1 << 20)).longValue();
                for (long i = 0; i < limit; i++) {
                    ip = ip.add(BigInteger.ONE);
                    if (ip.compareTo(ipam.rangeEnd()) > 0 || ip.compareTo(ipam.rangeStart()) < 0) ip = ipam.rangeStart();
                    if (!ipam.allocatable(ip)) continue;
                    if (reserve(d, ip, ipam.subnet().v6(), key)) {
                        cursor.put(key.network(), ip);
                        out.add(ipam.subnet().with(ip));
                        return out;
                    }
                }
                throw new CniError.Failure(CniError.POOL_EXHAUSTED, "no free address in " + ipam.subnet() + " for network " + key.network());
            } catch (IOException e) {
                throw new CniError.Failure(CniError.IO_FAILURE, "IPAM state: " + e.getMessage());
            }
        }
    }

    private static boolean reserve(Path d, BigInteger ip, boolean v6, AttachmentKey key) throws IOException {
        Path f = d.resolve(Cidr.format(ip, v6));
        String owner = owner(key);
        try {
            Files.writeString(f, owner, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            return true;
        } catch (FileAlreadyExistsException e) {
            // ours already (a retried ADD after a crash) counts as reserved
            return owner.equals(read(f));
        }
    }

    private static String owner(AttachmentKey key) {
        return key.containerId() + "\n" + key.ifName() + "\n";
    }

    private static String read(Path f) {
        try {
            return Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Releases every address held by {@code key} in its network; returns how many. Idempotent. */
    public int release(AttachmentKey key) {
        synchronized (lock(key.network())) {
            int n = 0;
            String owner = owner(key);
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir(key.network()))) {
                for (Path f : ds) {
                    if (owner.equals(read(f)) && Files.deleteIfExists(f)) n++;
                }
            } catch (IOException e) {
                throw new CniError.Failure(CniError.IO_FAILURE, "IPAM state: " + e.getMessage());
            }
            return n;
        }
    }

    /** The addresses currently reserved in {@code network} (text form), for tests and GC. */
    public Set<String> reserved(String network) {
        synchronized (lock(network)) {
            Set<String> out = new HashSet<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir(network))) {
                for (Path f : ds) out.add(f.getFileName().toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }
    }

    /** The (container id, ifname) owners holding addresses in {@code network}. */
    public Set<AttachmentKey.Id> owners(String network) {
        synchronized (lock(network)) {
            Set<AttachmentKey.Id> out = new HashSet<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir(network))) {
                for (Path f : ds) {
                    String o = read(f);
                    if (o == null) continue;
                    String[] p = o.split("\n");
                    if (p.length >= 2) out.add(new AttachmentKey.Id(p[0], p[1]));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out;
        }
    }
}
