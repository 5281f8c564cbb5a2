package io.kubevde.operator.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A kubectl-style table: upper-case headers, columns padded by three spaces, "<none>" for empty.
 */
final class Table {
  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  Table(String... headers) {
    this.columns = headers.length;
    rows.add(headers);
  }

  /** Adds a row of {@code columns} cells (null or blank cells print as {@code <none>}). */
  Table row(Object... cells) {
    if (cells.length != columns)
      throw new IllegalArgumentException("expected " + columns + " cells");
    String[] r = new String[columns];
    for (int i = 0; i < columns; i++) {
      String s = cells[i] == null ? "" : cells[i].toString();
      r[i] = s.isBlank() ? "<none>" : s;
    }
    rows.add(r);
    return this;
  }

  boolean isEmpty() {
    return rows.size() == 1;
  }

  void print(PrintWriter out) {
    int[] width = new int[columns];
    for (String[] r : rows)
      for (int i = 0; i < columns; i++) width[i] = Math.max(width[i], r[i].length());
    for (String[] r : rows) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        sb.append(r[i]);
        if (i < columns - 1) sb.append(" ".repeat(width[i] - r[i].length() + 3));
      }
      out.println(sb.toString().stripTrailing());
    }
  }
}
