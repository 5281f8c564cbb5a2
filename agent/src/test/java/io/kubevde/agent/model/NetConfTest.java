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
        "runtimeConfig ips not a list | ,\"runtimeConfig\":{\"ips\":\"10.0.0.1/24\"} | 'runtimeConfig.ips'",
        "vlan 0 | ,\"vlan\":0 | 'vlan'",
        "vlan 4095 | ,\"vlan\":4095 | 'vlan'",
        "vlan a string | ,\"vlan\":\"10\" | 'vlan'",
        "vlan a fraction | ,\"vlan\":10.5 | 'vlan'",
        "trunk not a list | ,\"vlanTrunk\":\"10,20\" | 'vlanTrunk'",
        "trunk empty | ,\"vlanTrunk\":[] | 'vlanTrunk'",
        "trunk VID 4095 | ,\"vlanTrunk\":[10,4095] | 'vlanTrunk'",
        "trunk VID twice | ,\"vlanTrunk\":[10,10] | 'vlanTrunk'",
        "trunk holds the access VLAN | ,\"vlan\":10,\"vlanTrunk\":[10] | 'vlanTrunk'",
        "args not an object | ,\"args\":[1] | 'args'",
        "args.cni not an object | ,\"args\":{\"cni\":7} | 'args.cni'",
        "cni-args vlan out of range | ,\"args\":{\"cni\":{\"vlan\":99999}} | 'args.cni.vlan'",
        "cni-args trunk of objects | ,\"args\":{\"cni\":{\"vlanTrunk\":[{}]}} | 'args.cni.vlanTrunk'"
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

  @Test
  void vlanKeysMakeAccessTrunkOrHybridPorts() {
    assertThat(NetConf.parse(Json.parseObject(base(""))).vlans()).as("plain port").isNull();
    assertThat(NetConf.parse(Json.parseObject(base(",\"vlan\":null"))).vlans()).isNull();
    assertThat(NetConf.parse(Json.parseObject(base(",\"vlan\":4094"))).vlans())
        .isEqualTo(PortVlans.access(4094));
    assertThat(NetConf.parse(Json.parseObject(base(",\"vlanTrunk\":[30,1,20]"))).vlans())
        .isEqualTo(new PortVlans(0, java.util.List.of(1, 20, 30)));
    assertThat(NetConf.parse(Json.parseObject(base(",\"vlan\":5,\"vlanTrunk\":[6]"))).vlans())
        .isEqualTo(new PortVlans(5, java.util.List.of(6)));
  }

  @Test
  void cniArgsVlansReplaceTheConfigsAndOtherCniArgsAreIgnored() {
    NetConf c =
        NetConf.parse(
            Json.parseObject(
                base(",\"vlan\":10,\"args\":{\"cni\":{\"vlanTrunk\":[10,20],\"labels\":[]}}")));
    assertThat(c.vlans())
        .as("the NAD's access VLAN is gone")
        .isEqualTo(PortVlans.trunk(java.util.List.of(10, 20)));
    assertThat(
            NetConf.parse(Json.parseObject(base(",\"vlan\":10,\"args\":{\"cni\":{\"labels\":[]}}")))
                .vlans())
        .isEqualTo(PortVlans.access(10));
    assertThat(c.with(null, 1400, null).vlans()).isEqualTo(c.vlans());
  }

  @Test
  void aTrunkListIsBounded() {
    String max =
        java.util.stream.IntStream.rangeClosed(1, PortVlans.MAX_TRUNK_VIDS)
            .mapToObj(String::valueOf)
            .collect(java.util.stream.Collectors.joining(","));
    assertThat(
            NetConf.parse(Json.parseObject(base(",\"vlanTrunk\":[" + max + "]"))).vlans().tagged())
        .hasSize(PortVlans.MAX_TRUNK_VIDS);
    try {
      NetConf.parse(Json.parseObject(base(",\"vlanTrunk\":[" + max + ",4000]")));
    } catch (CniError.Failure f) {
      assertThat(f.error().code()).isEqualTo(7);
      assertThat(f.error().msg()).contains("'vlanTrunk'").contains("at most 256");
      return;
    }
    throw new AssertionError("accepted");
  }

  @Test
  void anAttachmentRecordKeepsItsVlans() {
    AttachmentRecord r =
        new AttachmentRecord(
            new AttachmentKey("dp", "c1", "net1"),
            "default/dp",
            "/run/netns/x",
            "02:00:00:00:00:01",
            1450,
            java.util.List.of(),
            java.util.Map.of(),
            1L,
            "creating",
            null,
            new PortVlans(7, java.util.List.of(8, 9)));
    AttachmentRecord back = AttachmentRecord.fromJson(r.ready(java.util.Map.of()).toJson());
    assertThat(back.vlans()).isEqualTo(r.vlans());
    assertThat(back.state()).isEqualTo("ready");
    assertThat(AttachmentRecord.fromJson(r.toJson().replace(",\"vlan\":7", "")).vlans())
        .isEqualTo(PortVlans.trunk(java.util.List.of(8, 9)));
    assertThat(
            AttachmentRecord.fromJson(
                    new AttachmentRecord(
                            r.key(),
                            "default/dp",
                            "",
                            "",
                            0,
                            java.util.List.of(),
                            java.util.Map.of(),
                            0,
                            "ready",
                            null)
                        .toJson())
                .vlans())
        .as("a record of a plain port (and every record written before VLANs)")
        .isNull();
  }
}
