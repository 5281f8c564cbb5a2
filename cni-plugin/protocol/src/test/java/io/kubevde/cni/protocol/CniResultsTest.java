package io.kubevde.cni.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CniResultsTest {
  private static final String OWN =
      "{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"net1\",\"mac\":\"02:00:00:00:00:01\","
          + "\"mtu\":1450,\"sandbox\":\"/var/run/netns/p\"}],\"ips\":[{\"address\":\"10.77.0.5/24\",\"gateway\":\"10.77.0.1\","
          + "\"interface\":0},{\"address\":\"fd77::5/64\",\"interface\":0}],\"routes\":[{\"dst\":\"10.78.0.0/16\",\"gw\":\"10.77.0.1\"}]}";

  @Test
  void oldVersionsGetIpVersionFieldsNewOnesDoNot() {
    Map<String, Object> r = Json.parseObject(OWN);
    Map<String, Object> v031 = CniResults.inVersion(r, "0.3.1");
    assertThat(v031.get("cniVersion")).isEqualTo("0.3.1");
    assertThat(Json.write(v031.get("ips")))
        .contains("{\"version\":\"4\",\"address\":\"10.77.0.5/24\"")
        .contains("{\"version\":\"6\",\"address\":\"fd77::5/64\"");
    Map<String, Object> v100 = CniResults.inVersion(v031, "1.0.0");
    assertThat(Json.write(v100.get("ips"))).doesNotContain("version");
    assertThat(v100.get("interfaces")).isEqualTo(r.get("interfaces"));
  }

  @Test
  void chainingAppendsOurInterfaceAndShiftsIpIndexes() {
    Map<String, Object> prev =
        Json.parseObject(
            "{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"veth0\"},{\"name\":\"eth0\","
                + "\"sandbox\":\"/var/run/netns/p\"}],\"ips\":[{\"address\":\"10.244.1.5/24\",\"interface\":1}],"
                + "\"dns\":{\"nameservers\":[\"10.96.0.10\"]}}");
    Map<String, Object> out = CniResults.chain(prev, Json.parseObject(OWN));
    assertThat((List<?>) out.get("interfaces")).hasSize(3);
    List<?> ips = (List<?>) out.get("ips");
    assertThat(ips).hasSize(3);
    assertThat(((Map<?, ?>) ips.get(0)).get("interface")).isEqualTo(1L);
    assertThat(((Map<?, ?>) ips.get(1)).get("interface")).isEqualTo(2L);
    assertThat(Json.write(out.get("dns"))).contains("10.96.0.10");
    assertThat((List<?>) out.get("routes")).hasSize(1);
  }

  @Test
  void noPrevResultMeansOwnResult() {
    Map<String, Object> own = Json.parseObject(OWN);
    assertThat(CniResults.chain(null, own)).isSameAs(own);
  }

  @Test
  void requestRoundTripsWithVerbatimConfig() {
    CniRequest r =
        new CniRequest(
            CniCommand.ADD,
            "c1",
            "/var/run/netns/p",
            "net1",
            Map.of("K8S_POD_NAME", "p"),
            "/opt/cni/bin",
            "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"mtu\":1400}");
    CniRequest back = CniRequest.fromJson(r.toJson());
    assertThat(back).isEqualTo(r);
    assertThat(back.config().get("mtu")).isEqualTo(1400L);
  }

  @Test
  void errorJsonHasCodeMsgDetails() {
    CniError e = new CniError(CniError.TRY_AGAIN_LATER, "later", "agent down");
    assertThat(Json.write(e.toJson("0.4.0")))
        .isEqualTo(
            "{\"cniVersion\":\"0.4.0\",\"code\":11,\"msg\":\"later\",\"details\":\"agent down\"}");
    assertThat(CniError.fromJson(e.toJson("1.1.0"))).isEqualTo(e);
    assertThat(CniError.fromJson(Map.of("cniVersion", "1.1.0"))).isNull();
  }
}
