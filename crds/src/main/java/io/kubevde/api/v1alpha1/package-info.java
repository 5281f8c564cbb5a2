/**
 * kubevde API types, group {@code kubevde.io}, version {@code v1alpha1} (architecture.md §4).
 *
 * <p>{@link io.kubevde.api.v1alpha1.VdeNetwork} (namespaced, short name {@code vnet}) is one L2
 * segment, {@link io.kubevde.api.v1alpha1.VdeLink} (namespaced, {@code vlink}) connects a network
 * to other VNLs on a node, {@link io.kubevde.api.v1alpha1.VdeNode} (cluster-scoped, {@code vnode})
 * is what each node agent reports. The CRD YAML is generated from these classes at build time by
 * fabric8's crd-generator-maven-plugin; the OpenAPI validation comes from the {@code
 * io.fabric8.generator.annotation} annotations and the patterns in {@link
 * io.kubevde.api.v1alpha1.Patterns}. Spec and nested types are records (immutable); the custom
 * resource classes are the mutable fabric8 {@code CustomResource} subclasses.
 */
package io.kubevde.api.v1alpha1;
