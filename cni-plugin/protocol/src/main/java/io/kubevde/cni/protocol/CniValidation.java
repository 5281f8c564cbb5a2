package io.kubevde.cni.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The CNI parameter rules both sides enforce (CNI SPEC 1.1.0 "Parameters", k8s-conventions.md §1.1): which variables
 * each command needs, the container id syntax and Linux interface-name limits.
 */
public final class CniValidation {
    private CniValidation() {}

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
        if (needsContainer && !isContainerId(containerId)) {
            throw new CniError.Failure(CniError.INVALID_ENV, "CNI_CONTAINERID '" + containerId + "' is not a valid container id");
        }
        if (needsContainer) {
            String why = ifNameProblem(ifName);
            if (why != null) throw new CniError.Failure(CniError.INVALID_ENV, "CNI_IFNAME '" + ifName + "' " + why);
        }
    }

    /** Whether {@code id} matches {@code [A-Za-z0-9][A-Za-z0-9_.-]*} (no regex: the binary runs interpreted). */
    public static boolean isContainerId(String id) {
        if (id.isEmpty()) return false;
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
        }
        return true;
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
