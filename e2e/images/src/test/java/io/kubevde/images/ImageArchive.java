package io.kubevde.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A docker-archive image tar (as {@code skopeo copy ... docker-archive:} writes it) unpacked with
 * the system's GNU tar: its manifest.json, the image config JSON and the layer tars, each listable
 * and extractable into a root file system.
 *
 * @param dir where the archive was unpacked
 * @param repoTags manifest RepoTags
 * @param config the image config ({@code config.Entrypoint}, {@code config.Env}, {@code
 *     config.User}, ...)
 * @param layers layer tar files, bottom first
 */
record ImageArchive(Path dir, List<String> repoTags, JsonNode config, List<Path> layers) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * @param archive the docker-archive tar
   * @param into an empty directory
   * @return the parsed archive
   * @throws IOException if tar fails or the manifest is not a single-image docker-archive manifest
   */
  static ImageArchive open(Path archive, Path into) throws IOException, InterruptedException {
    run(List.of("tar", "-xf", archive.toString(), "-C", into.toString()));
    JsonNode manifest = JSON.readTree(into.resolve("manifest.json").toFile());
    if (!manifest.isArray() || manifest.size() != 1)
      throw new IOException("not a one-image manifest: " + manifest);
    JsonNode m = manifest.get(0);
    List<String> tags = new ArrayList<>();
    m.get("RepoTags").forEach(t -> tags.add(t.asText()));
    List<Path> layers = new ArrayList<>();
    m.get("Layers").forEach(l -> layers.add(into.resolve(l.asText())));
    return new ImageArchive(
        into, tags, JSON.readTree(into.resolve(m.get("Config").asText()).toFile()), layers);
  }

  /**
   * @return entry names of every layer (leading "./" removed)
   */
  List<String> files() throws IOException, InterruptedException {
    List<String> out = new ArrayList<>();
    for (Path l : layers) {
      for (String line : run(List.of("tar", "-tf", l.toString())).split("\n")) {
        String f = line.startsWith("./") ? line.substring(2) : line;
        out.add(f.endsWith("/") ? f.substring(0, f.length() - 1) : f);
      }
    }
    return out;
  }

  /** Extracts every layer, in order, into rootfs (a container runtime's view of the image). */
  void unpack(Path rootfs) throws IOException, InterruptedException {
    Files.createDirectories(rootfs);
    for (Path l : layers)
      run(List.of("tar", "--numeric-owner", "-xpf", l.toString(), "-C", rootfs.toString()));
  }

  /**
   * @return config.Entrypoint
   */
  List<String> entrypoint() {
    List<String> out = new ArrayList<>();
    config.path("config").path("Entrypoint").forEach(e -> out.add(e.asText()));
    return out;
  }

  /**
   * @return config.Env as NAME=VALUE strings
   */
  List<String> env() {
    List<String> out = new ArrayList<>();
    config.path("config").path("Env").forEach(e -> out.add(e.asText()));
    return out;
  }

  /**
   * Runs a command, failing on a non-zero exit or after 5 minutes.
   *
   * @return stdout and stderr, merged
   */
  static String run(List<String> cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + cmd);
    }
    String s = new String(out, java.nio.charset.StandardCharsets.UTF_8);
    if (p.exitValue() != 0) throw new IOException(cmd + " exited " + p.exitValue() + ": " + s);
    return s;
  }
}
