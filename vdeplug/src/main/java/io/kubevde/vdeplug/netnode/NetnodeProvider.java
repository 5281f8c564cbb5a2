package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;

/**
 * The provider shared by the four netnode schemes: parses {@code scheme://PATH[options]} into a
 * {@link NetnodeConfig} and opens a {@link Netnode} of its {@link NetnodeKind}. The four subclasses
 * only name the kind (as vdeplug4's 26-line plugin shims).
 */
public abstract class NetnodeProvider implements PlugProvider {
  private final NetnodeKind kind;

  protected NetnodeProvider(NetnodeKind kind) {
    this.kind = kind;
  }

  @Override
  public String scheme() {
    return kind.scheme();
  }

  /**
   * Opens the node; errors as {@link NetnodeConfig#parse} and {@link Netnode#open(NetnodeKind,
   * NetnodeConfig)}.
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    return Netnode.open(kind, NetnodeConfig.parse(vnl, args));
  }

  /** {@code hub://}. */
  public static final class Hub extends NetnodeProvider {
    /** The hub provider. */
    public Hub() {
      super(NetnodeKind.HUB);
    }
  }

  /** {@code switch://}. */
  public static final class Switch extends NetnodeProvider {
    /** The switch provider. */
    public Switch() {
      super(NetnodeKind.SWITCH);
    }
  }

  /** {@code multi://}. */
  public static final class Multi extends NetnodeProvider {
    /** The multi provider. */
    public Multi() {
      super(NetnodeKind.MULTI);
    }
  }

  /** {@code bonding://}. */
  public static final class Bonding extends NetnodeProvider {
    /** The bonding provider. */
    public Bonding() {
      super(NetnodeKind.BONDING);
    }
  }
}
