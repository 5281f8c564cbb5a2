package io.kubevde.cni.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CniValidationTest {
  @ParameterizedTest
  @ValueSource(strings = {"net1", "eth0", "data_0", "v.l-an", "abcdefghijklmno"})
  void interfaceNamesOfTheSafeAlphabetAreAccepted(String name) {
    assertThat(CniValidation.ifNameProblem(name)).isNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "net#1",
        "net\"1",
        "net'1",
        "net\n1",
        "net 1",
        "net\t1",
        "net\\1",
        "a/b",
        "a:b",
        "nét1",
        "",
        ".",
        "..",
        "abcdefghijklmnop"
      })
  void interfaceNamesWithCharactersIpBatchInterpretsAreRefused(String name) {
    assertThat(CniValidation.ifNameProblem(name)).isNotNull();
    assertThatThrownBy(
            () -> CniValidation.require(CniCommand.ADD, "c1", "/var/run/netns/p", name, ""))
        .isInstanceOfSatisfying(
            CniError.Failure.class,
            f -> {
              assertThat(f.error().code()).isEqualTo(CniError.INVALID_ENV);
              assertThat(f.error().msg()).contains("CNI_IFNAME");
            });
  }

  @Test
  void containerIdsMustBeWellFormedAndBounded() {
    assertThat(CniValidation.isContainerId("0123abcdef")).isTrue();
    assertThat(CniValidation.isContainerId("a".repeat(255))).isTrue();
    assertThat(CniValidation.isContainerId("a".repeat(256))).isFalse();
    assertThat(CniValidation.isContainerId("-abc")).isFalse();
    assertThat(CniValidation.isContainerId("ab c")).isFalse();
    assertThat(CniValidation.isContainerId("ab#c")).isFalse();
    assertThatThrownBy(() -> CniValidation.require(CniCommand.DEL, "a\nb", "", "net1", ""))
        .isInstanceOfSatisfying(
            CniError.Failure.class,
            f -> {
              assertThat(f.error().code()).isEqualTo(CniError.INVALID_ENV);
              assertThat(f.error().msg()).contains("CNI_CONTAINERID");
            });
  }

  @Test
  void dnsNamesFollowKubernetesRules() {
    assertThat(CniValidation.dnsLabelProblem("tenant-a")).isNull();
    assertThat(CniValidation.dnsLabelProblem("Tenant")).isNotNull();
    assertThat(CniValidation.dnsLabelProblem("-a")).isNotNull();
    assertThat(CniValidation.dnsLabelProblem("a".repeat(64))).isNotNull();
    assertThat(CniValidation.dnsSubdomainProblem("blue.v2")).isNull();
    assertThat(CniValidation.dnsSubdomainProblem("blue..v2")).isNotNull();
    assertThat(CniValidation.dnsSubdomainProblem("blue/v2")).isNotNull();
  }
}
