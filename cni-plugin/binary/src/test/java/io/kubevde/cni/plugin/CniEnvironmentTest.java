package io.kubevde.cni.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.cni.protocol.CniCommand;
import io.kubevde.cni.protocol.CniError;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CniEnvironmentTest {
  private static Map<String, String> env(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return m;
  }

  private static int code(Runnable r) {
    try {
      r.run();
    } catch (CniError.Failure f) {
      return f.error().code();
    }
    return 0;
  }

  @Test
  void addReadsEveryVariableAndKubernetesArgs() {
    CniEnvironment e =
        CniEnvironment.from(
            env(
                "CNI_COMMAND",
                "ADD",
                "CNI_CONTAINERID",
                "abc123",
                "CNI_NETNS",
                "/var/run/netns/cni-1",
                "CNI_IFNAME",
                "net1",
                "CNI_PATH",
                "/opt/cni/bin:/usr/lib/cni",
                "CNI_ARGS",
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=abc123;K8S_POD_UID=u-1"));
    assertThat(e.command()).isEqualTo(CniCommand.ADD);
    assertThat(e.args())
        .containsEntry("K8S_POD_NAME", "web-0")
        .containsEntry("IgnoreUnknown", "1")
        .hasSize(5);
    assertThat(e.netns()).isEqualTo("/var/run/netns/cni-1");
  }

  @Test
  void missingVariablesAreNamedWithCode4() {
    assertThatThrownBy(() -> CniEnvironment.from(env("CNI_COMMAND", "ADD", "CNI_IFNAME", "net1")))
        .isInstanceOf(CniError.Failure.class)
        .hasMessageContaining("CNI_CONTAINERID")
        .hasMessageContaining("CNI_NETNS")
        .hasMessageStartingWith("4:");
    assertThat(code(() -> CniEnvironment.from(env()))).isEqualTo(4);
    assertThat(code(() -> CniEnvironment.from(env("CNI_COMMAND", "FOO")))).isEqualTo(4);
    assertThat(code(() -> CniEnvironment.from(env("CNI_COMMAND", "GC")))).isEqualTo(4);
    assertThat(
            code(
                () ->
                    CniEnvironment.from(
                        env("CNI_COMMAND", "CHECK", "CNI_CONTAINERID", "a", "CNI_IFNAME", "net1"))))
        .isEqualTo(4);
  }

  @Test
  void delDoesNotNeedNetnsAndVersionNeedsNothing() {
    assertThat(
            CniEnvironment.from(
                    env("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "a", "CNI_IFNAME", "net1"))
                .netns())
        .isEmpty();
    assertThat(CniEnvironment.from(env("CNI_COMMAND", "VERSION")).command())
        .isEqualTo(CniCommand.VERSION);
    assertThat(CniEnvironment.from(env("CNI_COMMAND", "STATUS")).command())
        .isEqualTo(CniCommand.STATUS);
  }

  @Test
  void invalidIdsAndInterfaceNamesAreRejected() {
    assertThat(
            code(
                () ->
                    CniEnvironment.from(
                        env(
                            "CNI_COMMAND",
                            "DEL",
                            "CNI_CONTAINERID",
                            "-bad",
                            "CNI_IFNAME",
                            "net1"))))
        .isEqualTo(4);
    assertThat(
            code(
                () ->
                    CniEnvironment.from(
                        env(
                            "CNI_COMMAND",
                            "DEL",
                            "CNI_CONTAINERID",
                            "a",
                            "CNI_IFNAME",
                            "a23456789012345X"))))
        .isEqualTo(4);
    assertThat(
            code(
                () ->
                    CniEnvironment.from(
                        env("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "a", "CNI_IFNAME", "net:1"))))
        .isEqualTo(4);
    assertThat(
            code(
                () ->
                    CniEnvironment.from(
                        env("CNI_COMMAND", "DEL", "CNI_CONTAINERID", "a", "CNI_IFNAME", ".."))))
        .isEqualTo(4);
    assertThat(CniEnvironment.ifNameProblem("a23456789012345")).isNull();
  }

  @Test
  void cniArgsParsingIsPermissiveButNeedsPairs() {
    assertThat(CniEnvironment.parseArgs("A=1;;B=x=y"))
        .containsEntry("A", "1")
        .containsEntry("B", "x=y")
        .hasSize(2);
    assertThat(CniEnvironment.parseArgs("")).isEmpty();
    assertThat(code(() -> CniEnvironment.parseArgs("A=1;garbage"))).isEqualTo(4);
  }
}
