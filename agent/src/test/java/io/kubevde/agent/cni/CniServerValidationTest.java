package io.kubevde.agent.cni;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.attach.AttachmentHandler;
import io.kubevde.agent.model.AttachRequest;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.NetConf;
import io.kubevde.cni.protocol.CniCommand;
import io.kubevde.cni.protocol.CniRequest;
import io.kubevde.cni.protocol.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The agent validates every request again (a client other than the binary may reach the socket): a
 * CNI_IFNAME or container id that could change an {@code ip -batch} script is refused with code 4
 * before the handler, and so any command, runs.
 */
class CniServerValidationTest {
  /** Records the calls that reach it; the requests below must never get here. */
  static final class RecordingHandler implements AttachmentHandler {
    final List<String> calls = new ArrayList<>();

    @Override
    public Map<String, Object> add(AttachRequest req) {
      calls.add("add " + req.ifName());
      return Map.of();
    }

    @Override
    public void del(AttachRequest req) {
      calls.add("del " + req.ifName());
    }

    @Override
    public void check(AttachRequest req) {
      calls.add("check " + req.ifName());
    }

    @Override
    public void status(NetConf conf) {
      calls.add("status");
    }

    @Override
    public void gc(NetConf conf, Set<AttachmentKey.Id> valid) {
      calls.add("gc");
    }
  }

  private static final String CONFIG =
      "{\"cniVersion\":\"1.0.0\",\"name\":\"blue\",\"type\":\"kubevde\",\"network\":\"default/blue\"}";

  @ParameterizedTest
  @ValueSource(strings = {"net1#x", "net1\"", "n'1", "net1\nlink", "net 1", "a\\b", "net1;x"})
  void anInterfaceNameAnIpBatchScriptWouldInterpretIsRefusedBeforeAnyCommand(String ifName) {
    RecordingHandler h = new RecordingHandler();
    CniServer server = new CniServer(Path.of("/nonexistent/never-bound.sock"), h);
    for (CniCommand cmd : List.of(CniCommand.ADD, CniCommand.DEL, CniCommand.CHECK)) {
      String answer =
          server.answer(
              new CniRequest(
                      cmd,
                      "c0ffee",
                      "/var/run/netns/p",
                      ifName,
                      Map.of("K8S_POD_NAMESPACE", "default"),
                      "/opt/cni/bin",
                      CONFIG)
                  .toJson());
      Map<String, Object> err = Json.parseObject(answer);
      assertThat(err).as(cmd + " " + ifName).containsEntry("code", 4L);
      assertThat(err.get("msg").toString()).contains("CNI_IFNAME");
    }
    assertThat(h.calls).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"c1#x", "c1 c2", "c1\nc2", "c1\"", "-c1"})
  void aContainerIdOutsideItsAlphabetIsRefusedBeforeAnyCommand(String id) {
    RecordingHandler h = new RecordingHandler();
    CniServer server = new CniServer(Path.of("/nonexistent/never-bound.sock"), h);
    String answer =
        server.answer(
            new CniRequest(
                    CniCommand.ADD,
                    id,
                    "/var/run/netns/p",
                    "net1",
                    Map.of(),
                    "/opt/cni/bin",
                    CONFIG)
                .toJson());
    assertThat(Json.parseObject(answer)).containsEntry("code", 4L);
    assertThat(h.calls).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "\"network\":\"default/blue x\"",
        "\"mac\":\"00:00:00:00:00:00\"",
        "\"name\":\"bl ue\""
      })
  void invalidConfigValuesAreCode7BeforeAnyCommand(String kv) {
    RecordingHandler h = new RecordingHandler();
    CniServer server = new CniServer(Path.of("/nonexistent/never-bound.sock"), h);
    String cfg =
        CONFIG.replace(
            "\"network\":\"default/blue\"",
            kv.startsWith("\"name\"") ? "\"network\":\"default/blue\"" : kv);
    if (kv.startsWith("\"name\"")) cfg = cfg.replace("\"name\":\"blue\"", kv);
    String answer =
        server.answer(
            new CniRequest(
                    CniCommand.ADD, "c1", "/var/run/netns/p", "net1", Map.of(), "/opt/cni/bin", cfg)
                .toJson());
    assertThat(Json.parseObject(answer)).containsEntry("code", 7L);
    assertThat(h.calls).isEmpty();
  }
}
