package io.kubevde.e2e.local;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The real Kubernetes control plane of the local cluster: etcd (loopback, free ports, no fsync) and
 * kube-apiserver bound to {@code bindAddress}:6443 (the harness bridge's host address, reachable
 * from the node namespaces). The apiserver generates its own serving certificate ({@code
 * --cert-dir}); clients authenticate with a static admin token in {@code system:masters} (RBAC
 * authorizer). The service-account key pair is generated here. {@link #kubeconfig()} is written for
 * clients (TLS verification off: the serving certificate is self-signed).
 */
public final class ControlPlane implements AutoCloseable {
  private final Path dir;
  private final String bindAddress;
  private final Daemon etcd;
  private final Daemon apiserver;
  private final Path kubeconfig;
  private final Path kubectl;

  private ControlPlane(
      Path dir, String bindAddress, Daemon etcd, Daemon apiserver, Path kubeconfig, Path kubectl) {
    this.dir = dir;
    this.bindAddress = bindAddress;
    this.etcd = etcd;
    this.apiserver = apiserver;
    this.kubeconfig = kubeconfig;
    this.kubectl = kubectl;
  }

  /**
   * Starts etcd and kube-apiserver from {@code binDir} with state under {@code dir}, waits until
   * {@code /readyz} answers (up to 90 s).
   *
   * @throws IllegalStateException when either exits or the apiserver is not ready in time (with the
   *     log tail)
   */
  public static ControlPlane start(Path binDir, Path dir, String bindAddress) throws IOException {
    Files.createDirectories(dir);
    int client = freePort();
    int peer = freePort();
    String etcdUrl = "http://127.0.0.1:" + client;
    Daemon etcd =
        Daemon.start(
            "etcd",
            dir,
            null,
            Map.of(),
            List.of(
                binDir.resolve("etcd").toString(),
                "--name",
                "kv",
                "--data-dir",
                dir.resolve("etcd").toString(),
                "--listen-client-urls",
                etcdUrl,
                "--advertise-client-urls",
                etcdUrl,
                "--listen-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-advertise-peer-urls",
                "http://127.0.0.1:" + peer,
                "--initial-cluster",
                "kv=http://127.0.0.1:" + peer,
                "--unsafe-no-fsync",
                "--log-level",
                "warn"));
    Daemon api = null;
    try {
      String token = HexFormat.of().formatHex(randomBytes(16));
      Files.writeString(
          dir.resolve("tokens.csv"), token + ",kubevde-admin,kubevde-admin,system:masters\n");
      writeServiceAccountKeys(dir);
      api =
          Daemon.start(
              "kube-apiserver",
              dir,
              null,
              Map.of(),
              List.of(
                  binDir.resolve("kube-apiserver").toString(),
                  "--etcd-servers",
                  etcdUrl,
                  "--bind-address",
                  bindAddress,
                  "--advertise-address",
                  bindAddress,
                  "--secure-port",
                  "6443",
                  "--cert-dir",
                  dir.resolve("pki").toString(),
                  "--token-auth-file",
                  dir.resolve("tokens.csv").toString(),
                  "--authorization-mode",
                  "RBAC",
                  "--service-account-issuer",
                  "https://kubernetes.default.svc",
                  "--service-account-key-file",
                  dir.resolve("sa.pub").toString(),
                  "--service-account-signing-key-file",
                  dir.resolve("sa.key").toString(),
                  "--service-cluster-ip-range",
                  "10.96.0.0/16",
                  "--enable-priority-and-fairness=false",
                  "--allow-privileged=true",
                  "--disable-admission-plugins",
                  "ServiceAccount",
                  "--v",
                  "0"));
      Path kubeconfig = dir.resolve("kubeconfig");
      Files.writeString(
          kubeconfig,
          """
                    apiVersion: v1
                    kind: Config
                    clusters:
                    - name: kubevde-local
                      cluster: {server: "https://%s:6443", insecure-skip-tls-verify: true}
                    users:
                    - name: kubevde-admin
                      user: {token: "%s"}
                    contexts:
                    - name: kubevde-local
                      context: {cluster: kubevde-local, user: kubevde-admin, namespace: default}
                    current-context: kubevde-local
                    """
              .formatted(bindAddress, token));
      ControlPlane cp =
          new ControlPlane(dir, bindAddress, etcd, api, kubeconfig, binDir.resolve("kubectl"));
      cp.awaitReady(90_000);
      return cp;
    } catch (RuntimeException | IOException e) {
      if (api != null) api.close();
      etcd.close();
      throw e;
    }
  }

  private void awaitReady(long timeoutMs) {
    long end = System.currentTimeMillis() + timeoutMs;
    Cmd.Result last = null;
    while (System.currentTimeMillis() < end) {
      etcd.assertAlive();
      apiserver.assertAlive();
      last =
          Cmd.run(
              null,
              Map.of(),
              null,
              10,
              List.of(
                  kubectl.toString(),
                  "--kubeconfig",
                  kubeconfig.toString(),
                  "get",
                  "--raw",
                  "/readyz"));
      if (last.ok() && last.out().trim().equals("ok")) return;
      sleep(300);
    }
    throw new IllegalStateException(
        "kube-apiserver not ready after "
            + timeoutMs
            + " ms: "
            + (last == null ? "" : last.err())
            + "\n"
            + apiserver.tail(3000));
  }

  /** The kubeconfig file for clients (kubectl, the operator, the agents). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The kubectl binary. */
  public Path kubectl() {
    return kubectl;
  }

  /** {@code https://<bind address>:6443}. */
  public String server() {
    return "https://" + bindAddress + ":6443";
  }

  /** The state directory. */
  public Path dir() {
    return dir;
  }

  /** Stops kube-apiserver, then etcd. */
  @Override
  public void close() {
    apiserver.close();
    etcd.close();
  }

  private static void writeServiceAccountKeys(Path dir) throws IOException {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      KeyPair kp = g.generateKeyPair();
      Files.writeString(dir.resolve("sa.key"), pem("PRIVATE KEY", kp.getPrivate().getEncoded()));
      Files.writeString(dir.resolve("sa.pub"), pem("PUBLIC KEY", kp.getPublic().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
