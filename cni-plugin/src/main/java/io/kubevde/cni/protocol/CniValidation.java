package io.kubevde.cni.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The CNI parameter rules both sides enforce (CNI SPEC 1.1.0 "Parameters", k8s-conventions.md §1.1): which variables
 * each command needs, the container id syntax and Linux interface-name limits.
 */
public final class CniValidation {
    private CniValidation() {}

    private static final Pattern CONTAINER_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.\\-]*");

    /**
     * Checks the parameters of {@code cmd}: ADD and CHECK need container id, netns and ifname; DEL needs container id
     * and ifname; GC needs CNI_PATH; the container id and ifname must be well-formed when required.
     *
     * @throws CniError.Failure code 4 naming every missing or invalid variable
     */
    public static void require(CniCommand cmd, String containerId, String netns, String ifName, String path) {
        List<String> missing = new ArrayList<>();
        boolean needsContainer = cmd == CniCommand.ADD || cmd == CniCommand.CHECK || cmd == CniCommand.DEL;
        if (needsContainer && containerId.isEmpty()) missing.add("CNI_CONTAINERID");
        if ((cmd == CniCommand.ADD || cmd == CniCommand.CHECK) && netns.isEmpty()) missing.add("CNI_NETNS");
        if (needsContainer && ifName.isEmpty()) missing.add("CNI_IFNAME");
        if (cmd == CniCommand.GC && path.isEmpty()) missing.add("CNI_PATH");
        if (!missing.isEmpty()) {
            throw new CniError.Failure(CniError.INVALID_ENV, "required environment variables missing: " + String.join(", ", missing));
        }
        if (needsContainer && !CONTAINER_ID.matcher(containerId).matches()) {
            throw new CniError.Failure(CniError.INVALID_ENV, "CNI_CONTAINERID '" + containerId + "' is not a valid container id");
        }
        if (needsContainer) {
            String why = ifNameProblem(ifName);
            if (why != null) throw new CniError.Failure(CniError.INVALID_ENV, "CNI_IFNAME '" + ifName + "' " + why);
        }
    }

    /** Why {@code name} cannot be a Linux interface name (at most 15 bytes, no {@code /}, {@code :} or blanks), or null. */
    public static String ifNameProblem(String name) {
        if (name.length() > 15) return "is longer than 15 characters";
        if (name.equals(".") || name.equals("..")) return "is not a valid interface name";
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || c < 0x21 || c > 0x7e) return "contains an invalid character";
        }
        return null;
    }
}
