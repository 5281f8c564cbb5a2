package io.kubevde.agent.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NetConfTest {
  private static String base(String extra) {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"blue\",\"type\":\"kubevde\"" + extra + "}";
  }

  @Test
  void aValidConfigParses() {
    NetConf c =
        NetConf.parse(
            Json.parseObject(
                base(
                    ",\"network\":\"lab/blue.v2\",\"mac\":\"02:77:00:00:00:01\","
                        + "\"runtimeConfig\":{\"ips\":[\"10.77.0.5/24\"]}")));
    assertThat(c.network()).isEqualTo("lab/blue.v2");
    assertThat(c.mac()).isEqualTo("02:77:00:00:00:01");
    assertThat(c.ips()).containsExactly("10.77.0.5/24");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "network without namespace | ,\"network\":\"blue\" | 'network'",
        "network upper case | ,\"network\":\"default/Blue\" | 'network'",
        "network namespace with dot | ,\"network\":\"a.b/blue\" | 'network'",
        "network with newline | ,\"network\":\"default/blue\\nx\" | 'network'",
        "network three parts | ,\"network\":\"a/b/c\" | 'network'",
        "all-zero MAC | ,\"mac\":\"00:00:00:00:00:00\" | 'mac'",
        "multicast MAC | ,\"mac\":\"01:00:5e:00:00:01\" | 'mac'",
        "MAC with trailing text | ,\"mac\":\"02:00:00:00:00:01 up\" | 'mac'",
        "runtimeConfig MAC not a string | ,\"runtimeConfig\":{\"mac\":5} | 'runtimeConfig.mac'",
        "runtimeConfig ip not an address | ,\"runtimeConfig\":{\"ips\":[\"10.0.0.1/24 dev eth0\"]} | 'runtimeConfig.ips'",
        "runtimeConfig ip not a string | ,\"runtimeConfig\":{\"ips\":[7]} | 'runtimeConfig.ips'",
        "runtimeConfig ips not a list | ,\"runtimeConfig\":{\"ips\":\"10.0.0.1/24\"} | 'runtimeConfig.ips'"
      })
  void invalidValuesAreConfigErrorsNamingTheKey(String what, String extra, String key) {
    try {
      NetConf.parse(Json.parseObject(base(extra)));
    } catch (CniError.Failure f) {
      assertThat(f.error().code()).isEqualTo(7);
      assertThat(f.error().msg()).contains(key);
      return;
    }
    throw new AssertionError(what + " was accepted");
  }

  @Test
  void aCniNameOutsideTheSpecAlphabetIsRefused() {
    try {
      NetConf.parse(Json.parseObject("{\"cniVersion\":\"1.0.0\",\"name\":\"blue net#1\"}"));
    } catch (CniError.Failure f) {
      assertThat(f.error().code()).isEqualTo(7);
      assertThat(f.error().msg()).contains("'name'");
      return;
    }
    throw new AssertionError("accepted");
  }
}
