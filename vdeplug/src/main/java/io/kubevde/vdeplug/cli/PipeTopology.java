package io.kubevde.vdeplug.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How {@code dpipe} wires its commands (vde-protocols.md §10.2), as pure data: which pipe each
 * command's stdin, stdout and alternate fds use. Pipes are numbered 0..{@link #pipes()}-1; a
 * command reads from a pipe's read end (stdin, alternate stdin) and writes to its write end
 * (stdout, alternate stdout).
 *
 * <p>Two flows: left→right starts at the first command's stdout and ends at the last command's
 * stdin; right→left starts at the last command's stdout and ends at the first command's stdin. An
 * intermediate command joined by plain {@code =} on both sides takes part in both: left→right data
 * on stdin → alternate stdout, right→left data on alternate stdin → stdout ({@code
 * ALTERNATE_STDIN}/{@code ALTERNATE_STDOUT}). An intermediate command between {@code =}} and {@code
 * }=} filters only the left→right flow (stdin → stdout); between <code>={</code> and <code>{=
 * </code> only the right→left flow; the other flow bypasses it.
 *
 * @param pipes the number of pipes to create
 * @param commands one wiring per command, in command-line order
 */
public record PipeTopology(int pipes, List<Wiring> commands) {

  /**
   * One command's fds.
   *
   * @param argv the command and its arguments
   * @param stdin pipe read by fd 0
   * @param stdout pipe written by fd 1
   * @param altIn pipe read by the alternate stdin, or -1
   * @param altOut pipe written by the alternate stdout, or -1
   */
  public record Wiring(List<String> argv, int stdin, int stdout, int altIn, int altOut) {
    /** Whether the command needs the alternate fds. */
    public boolean alternate() {
      return altIn >= 0 || altOut >= 0;
    }
  }

  /** The separator words dpipe understands. */
  public static final List<String> SEPARATORS = List.of("=", "=}", "}=", "={", "{=");

  private enum Dir {
    BOTH,
    RIGHT,
    LEFT
  }

  /**
   * Splits {@code words} at separators and plans the pipes.
   *
   * @return the plan, or the usage problem as text on the right side of the result
   */
  public static Result plan(List<String> words) {
    List<List<String>> cmds = new ArrayList<>();
    List<String> seps = new ArrayList<>();
    List<String> cur = new ArrayList<>();
    for (String w : words) {
      if (SEPARATORS.contains(w)) {
        cmds.add(cur);
        seps.add(w);
        cur = new ArrayList<>();
      } else {
        cur.add(w);
      }
    }
    cmds.add(cur);
    if (cmds.size() < 2)
      return Result.error(
          "needs at least two commands separated by '=' (dpipe CMD1 ARGS = CMD2 ARGS)");
    for (List<String> c : cmds)
      if (c.isEmpty())
        return Result.error("a separator at the start or the end, or an empty command");
    int n = cmds.size();
    if (!seps.get(0).startsWith("="))
      return Result.error("the first command cannot be one-directional ('" + seps.get(0) + "')");
    if (!seps.get(n - 2).endsWith("="))
      return Result.error("the last command cannot be one-directional ('" + seps.get(n - 2) + "')");
    Dir[] dirs = new Dir[n];
    for (int i = 1; i < n - 1; i++) {
      String left = seps.get(i - 1);
      String right = seps.get(i);
      char suffix = left.charAt(left.length() - 1);
      char prefix = right.charAt(0);
      if (suffix == '=' && prefix == '=') dirs[i] = Dir.BOTH;
      else if (suffix == '}' && prefix == '}') dirs[i] = Dir.RIGHT;
      else if (suffix == '{' && prefix == '{') dirs[i] = Dir.LEFT;
      else
        return Result.error(
            "command "
                + (i + 1)
                + " ('"
                + cmds.get(i).get(0)
                + "') is between '"
                + left
                + "' and '"
                + right
                + "': use '=} CMD }=' (left to right only), '={ CMD {=' (right to left only) or '= CMD ='");
    }
    int[] in = filled(n);
    int[] out = filled(n);
    int[] altIn = filled(n);
    int[] altOut = filled(n);
    int pipes = 0;
    // left -> right
    int writer = 0;
    boolean writerAlt = false;
    for (int i = 1; i < n; i++) {
      if (i < n - 1 && dirs[i] == Dir.LEFT) continue;
      int p = pipes++;
      if (writerAlt) altOut[writer] = p;
      else out[writer] = p;
      in[i] = p;
      writer = i;
      writerAlt = i < n - 1 && dirs[i] == Dir.BOTH;
    }
    // right -> left
    writer = n - 1;
    for (int i = n - 2; i >= 0; i--) {
      if (i > 0 && dirs[i] == Dir.RIGHT) continue;
      int p = pipes++;
      out[writer] = p;
      if (i > 0 && dirs[i] == Dir.BOTH) altIn[i] = p;
      else in[i] = p;
      writer = i;
    }
    List<Wiring> wirings = new ArrayList<>();
    for (int i = 0; i < n; i++)
      wirings.add(new Wiring(List.copyOf(cmds.get(i)), in[i], out[i], altIn[i], altOut[i]));
    return new Result(Optional.of(new PipeTopology(pipes, List.copyOf(wirings))), null);
  }

  private static int[] filled(int n) {
    int[] a = new int[n];
    java.util.Arrays.fill(a, -1);
    return a;
  }

  /**
   * A plan or a usage error.
   *
   * @param topology the plan when the words were valid
   * @param error the usage problem otherwise
   */
  public record Result(Optional<PipeTopology> topology, String error) {
    static Result error(String e) {
      return new Result(Optional.empty(), e);
    }
  }
}
