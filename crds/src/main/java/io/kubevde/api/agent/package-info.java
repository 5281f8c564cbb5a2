/**
 * The operator → agent contract: {@link io.kubevde.api.agent.AgentNetworkConfig} (the {@code
 * network.json} of a network's ConfigMap), its one reader/writer {@link
 * io.kubevde.api.agent.AgentNetworkConfigCodec}, and {@link io.kubevde.api.agent.Uplink}, the one
 * place where a network's uplink VNL is built. Not a custom resource: plain records shared by the
 * operator and the node agent (architecture.md §2).
 */
package io.kubevde.api.agent;
