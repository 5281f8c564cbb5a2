package io.kubevde.vdeplug.cli;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.cable.Cable;
import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code vde_plug} (vde-protocols.md §10.1). This first version supports the two-VNL cable form
 * {@code vde_plug VNL1 VNL2}; the stream forms, {@code = cmd} and the options follow.
 * Exit codes: 0 after a clean end, 1 when a plug cannot be opened (message {@code vde_open VNL: reason}), 2 for usage.
 */
@Command(name = "vde_plug", mixinStandardHelpOptions = true, description = "Connect two VDE plugs.")
public final class VdePlugMain implements Callable<Integer> {

    @Parameters(arity = "2", paramLabel = "VNL", description = "two VNLs to connect")
    List<String> vnls;

    @Override
    public Integer call() throws Exception {
        Plug a;
        Plug b;
        try {
            a = open(vnls.get(0));
        } catch (IOException | VnlException e) {
            System.err.println("vde_open " + vnls.get(0) + ": " + e.getMessage());
            return 1;
        }
        try {
            b = open(vnls.get(1));
        } catch (IOException | VnlException e) {
            System.err.println("vde_open " + vnls.get(1) + ": " + e.getMessage());
            a.close();
            return 1;
        }
        try (Cable cable = new Cable("vde_plug", a, b)) {
            Runtime.getRuntime().addShutdownHook(new Thread(cable::close));
            cable.awaitEnd();
        }
        return 0;
    }

    private static Plug open(String vnl) throws IOException {
        return Plugs.open(vnl, OpenArgs.DEFAULT);
    }

    /** Entry point; exits with the code of {@link #call()}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new VdePlugMain()).execute(args));
    }
}
