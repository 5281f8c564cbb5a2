package io.kubevde.operator.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code kubectl vde}: the kubectl plugin of kubevde (a {@code kubectl-vde} launcher on the PATH
 * runs this class from the operator jar, which already holds fabric8 and the API types). Talks to
 * the cluster of the current kubeconfig, as kubectl does. Subcommands: {@link StatusCommand
 * status}, {@link CaptureCommand capture}, {@link ConsoleCommand console}.
 */
@Command(
    name = "kubectl vde",
    mixinStandardHelpOptions = true,
    version = "kubectl-vde 0.1.0",
    description =
        "Inspect kubevde networks, links and nodes; capture a network's traffic; open a switch's"
            + " console.",
    subcommands = {StatusCommand.class, CaptureCommand.class, ConsoleCommand.class})
public final class KubectlVde implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Runs {@code kubectl vde ARGS}; exits with the subcommand's status. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new KubectlVde()).execute(args));
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }
}
