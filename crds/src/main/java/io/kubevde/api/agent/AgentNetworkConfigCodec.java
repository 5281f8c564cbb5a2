package io.kubevde.api.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one reader and writer of {@code network.json} ({@link AgentNetworkConfig}), used by the
 * operator (write) and the agent (read; also for its on-disk cache of the last applied configs).
 * Output is pretty-printed JSON with map entries sorted by key (stable text, so an unchanged
 * network gives an unchanged ConfigMap); input may carry unknown keys (ignored). Thread-safe.
 */
public final class AgentNetworkConfigCodec {
  /** The ConfigMap key holding the config. */
  public static final String CONFIG_KEY = "network.json";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
          .build();

  private AgentNetworkConfigCodec() {}

  /**
   * @param cfg the config
   * @return its JSON text
   */
  public static String write(AgentNetworkConfig cfg) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write network.json of " + cfg.key(), e);
    }
  }

  /**
   * @param json the text of a {@code network.json}
   * @return the config
   * @throws IllegalArgumentException when it is not JSON, a value has the wrong type (e.g. an
   *     unknown transport), or {@code namespace}/{@code name} is missing; the message names the
   *     problem
   */
  public static AgentNetworkConfig read(String json) {
    AgentNetworkConfig cfg;
    try {
      cfg = JSON.readValue(json, AgentNetworkConfig.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a network.json: " + e.getOriginalMessage(), e);
    }
    if (cfg == null || cfg.namespace() == null || cfg.name() == null) {
      throw new IllegalArgumentException("network.json without namespace/name");
    }
    return cfg;
  }
}
