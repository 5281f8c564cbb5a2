package io.kubevde.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The cluster-wide static address reservation: one object name per (network, address) whatever the
 * text form, a valid DNS subdomain even for the longest network names, and the generated CRD
 * (namespaced, required fields, patterns, columns, category).
 */
class VdeAddressReservationTest {
  private static final Path CRD =
      Path.of("target/classes/META-INF/fabric8/vdeaddressreservations.kubevde.io-v1.yml");

  @Test
  void oneNamePerNetworkAndAddressWhateverTheTextForm() {
    assertThat(VdeAddressReservation.nameFor("blue", "10.79.0.5")).isEqualTo("blue.10.79.0.5");
    assertThat(VdeAddressReservation.nameFor("blue", "fd00::5"))
        .isEqualTo("blue.fd00-0000-0000-0000-0000-0000-0000-0005")
        .isEqualTo(VdeAddressReservation.nameFor("blue", "FD00:0:0:0::0005"));
    assertThat(VdeAddressReservation.nameFor("blue", "::"))
        .matches(Patterns.DNS_SUBDOMAIN)
        .isNotEqualTo(VdeAddressReservation.nameFor("red", "::"));
    assertThatThrownBy(() -> VdeAddressReservation.nameFor("blue", "example.com"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> VdeAddressReservation.nameFor("blue", "10.79.0.5/24"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void longNetworkNamesAreCutAndHashedIntoAValidName() {
    String a = "a".repeat(120) + "." + "b".repeat(120) + ".c";
    String b = "a".repeat(120) + "." + "b".repeat(120) + ".d";
    String na = VdeAddressReservation.nameFor(a, "fd00::1");
    String nb = VdeAddressReservation.nameFor(b, "fd00::1");
    assertThat(na).hasSizeLessThanOrEqualTo(253).matches(Patterns.DNS_SUBDOMAIN);
    assertThat(nb).hasSizeLessThanOrEqualTo(253).matches(Patterns.DNS_SUBDOMAIN);
    assertThat(na).isNotEqualTo(nb).endsWith(".fd00-0000-0000-0000-0000-0000-0000-0001");
  }

  @Test
  void theObjectIsLabelledWithNodeAndNetwork() {
    VdeAddressReservation r =
        VdeAddressReservation.of(
            "lab",
            new VdeAddressReservationSpec(
                "blue", "10.79.0.5", "lab", "web-0", "uid-1", "node-1", "c1", "net1"));
    assertThat(r.getMetadata().getNamespace()).isEqualTo("lab");
    assertThat(r.getMetadata().getName()).isEqualTo("blue.10.79.0.5");
    assertThat(r.getMetadata().getLabels())
        .containsEntry(VdeAddressReservation.NODE_LABEL, "node-1")
        .containsEntry(VdeAddressReservation.NETWORK_LABEL, "blue");
    assertThat(r.getSpec().holder()).isEqualTo("lab/web-0");
    assertThat(
            r.getSpec()
                .sameAttachment(
                    new VdeAddressReservationSpec(
                        "blue", "10.79.0.5", null, null, null, "node-2", "c1", "net1")))
        .isTrue();
    assertThat(
            r.getSpec()
                .sameAttachment(
                    new VdeAddressReservationSpec(
                        "blue", "10.79.0.5", null, null, null, "node-1", "c2", "net1")))
        .isFalse();
  }

  @Test
  void theGeneratedCrdIsNamespacedWithRequiredFieldsAndPatterns() throws Exception {
    CustomResourceDefinition crd =
        new KubernetesSerialization()
            .unmarshal(Files.readString(CRD), CustomResourceDefinition.class);
    assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
    assertThat(crd.getSpec().getNames().getKind()).isEqualTo("VdeAddressReservation");
    assertThat(crd.getSpec().getNames().getShortNames()).contains("vdeaddr");
    assertThat(crd.getSpec().getNames().getCategories()).contains("kubevde");
    var version = crd.getSpec().getVersions().getFirst();
    assertThat(version.getSubresources() == null || version.getSubresources().getStatus() == null)
        .as("no status subresource")
        .isTrue();
    assertThat(version.getAdditionalPrinterColumns())
        .extracting(c -> c.getName())
        .containsExactly("Network", "Address", "Pod", "Node", "Age");
    JSONSchemaProps spec = version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    assertThat(spec.getRequired())
        .containsExactlyInAnyOrder("network", "address", "node", "containerId", "ifName");
    assertThat(spec.getProperties().get("address").getPattern()).isEqualTo(Patterns.IP);
    assertThat(spec.getProperties().get("network").getPattern()).isEqualTo(Patterns.DNS_SUBDOMAIN);
  }
}
