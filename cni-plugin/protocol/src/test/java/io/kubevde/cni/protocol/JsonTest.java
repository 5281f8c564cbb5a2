package io.kubevde.cni.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked")
class JsonTest {
  @Test
  void parsesAllValueTypesInOrder() {
    Map<String, Object> m =
        Json.parseObject(
            " {\"b\": 1, \"a\": [true, false, null, -2.5e1, \"x\\u00e9\\n\"], \"c\": {}} ");
    assertThat(m.keySet()).containsExactly("b", "a", "c");
    assertThat(m.get("b")).isEqualTo(1L);
    assertThat((List<Object>) m.get("a"))
        .containsExactly(true, false, null, new BigDecimal("-2.5e1"), "xé\n");
    assertThat(m.get("c")).isEqualTo(Map.of());
  }

  @Test
  void writeThenParseRoundTripsAndEscapes() {
    String text = "{\"k\":\"a\\\"b\\\\c\\u0001\",\"n\":12345678901234,\"l\":[1,{\"x\":null}]}";
    assertThat(Json.write(Json.parse(text))).isEqualTo(text);
  }

  @Test
  void rawIsSplicedVerbatim() {
    assertThat(Json.write(Map.of("config", new Json.Raw("{ \"a\" : 1 }"))))
        .isEqualTo("{\"config\":{ \"a\" : 1 }}");
  }

  @Test
  void rejectsMalformedTextWithOffset() {
    assertThatThrownBy(() -> Json.parse("{\"a\":}"))
        .isInstanceOf(JsonException.class)
        .hasMessageContaining("offset 5");
    assertThatThrownBy(() -> Json.parse("{\"a\":1} x")).hasMessageContaining("trailing");
    assertThatThrownBy(() -> Json.parse("[1,2")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> Json.parse("01")).hasMessageContaining("leading zero");
    assertThatThrownBy(() -> Json.parse("\"a\tb\"")).hasMessageContaining("control character");
    assertThatThrownBy(() -> Json.parseObject("[]")).hasMessageContaining("expected a JSON object");
    assertThatThrownBy(() -> Json.parse("[".repeat(300) + "]".repeat(300)))
        .hasMessageContaining("nesting");
  }
}
