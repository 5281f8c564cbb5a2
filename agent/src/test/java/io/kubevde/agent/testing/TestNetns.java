package io.kubevde.agent.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Network namespaces for a test, unique names ({@code kvc<random>}), all deleted by {@link #close}. */
public final class TestNetns implements AutoCloseable {
    private final List<String> names = new ArrayList<>();
    private final String tag = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);

    /** Creates one more namespace; returns its name (path: /var/run/netns/NAME). */
    public synchronized String create() {
        String n = "kvc" + tag + names.size();
        names.add(n);
        sh("ip", "netns", "add", n);
        return n;
    }

    public static String path(String name) {
        return "/var/run/netns/" + name;
    }

    /** Runs a command; returns exit code and output. */
    public static Result exec(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, "timeout");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    /** Runs a command and returns its output; throws when it fails. */
    public static String sh(String... cmd) {
        Result r = exec(cmd);
        if (r.exit() != 0) throw new IllegalStateException(String.join(" ", cmd) + " -> " + r.exit() + ": " + r.out());
        return r.out();
    }

    public record Result(int exit, String out) {}

    public static boolean isRoot() {
        return "0".equals(exec("id", "-u").out().trim());
    }

    @Override
    public synchronized void close() {
        for (String n : names) exec("ip", "netns", "del", n);
        names.clear();
    }
}
