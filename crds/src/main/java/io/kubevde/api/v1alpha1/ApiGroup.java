package io.kubevde.api.v1alpha1;

/** API group and version of all kubevde custom resources. */
public final class ApiGroup {
  private ApiGroup() {}

  /** API group. */
  public static final String GROUP = "kubevde.io";

  /** API version within {@link #GROUP}. */
  public static final String VERSION = "v1alpha1";

  /** {@code apiVersion} field value. */
  public static final String API_VERSION = GROUP + "/" + VERSION;
}
