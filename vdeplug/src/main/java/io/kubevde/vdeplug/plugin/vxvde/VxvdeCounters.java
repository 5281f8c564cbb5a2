package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.PlugStats;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live per-reason counters of one vxvde plug (see {@link VxvdeStats} for their meaning); {@link
 * #snapshot} combines them with the plug's {@link PlugStats}. Updated by the receiver thread
 * (drops) and under the send lock ({@code sendCalls}); adds to {@link LongAdder}s, never allocates;
 * read from any thread.
 */
public final class VxvdeCounters {
  final LongAdder notAPeer = new LongAdder();
  final LongAdder senderNotAllowed = new LongAdder();
  final LongAdder badHeader = new LongAdder();
  final LongAdder wrongVni = new LongAdder();
  final LongAdder badLength = new LongAdder();
  final LongAdder selfEcho = new LongAdder();
  final LongAdder goodbyes = new LongAdder();
  final LongAdder sendCalls = new LongAdder();

  /** Counts one datagram refused by the sender check. */
  void refused(SenderFilter.Verdict v) {
    if (v == SenderFilter.Verdict.NOT_A_PEER) notAPeer.increment();
    else if (v == SenderFilter.Verdict.NOT_ALLOWED) senderNotAllowed.increment();
  }

  /** A snapshot of these counters together with the plug's {@code stats}. */
  public VxvdeStats snapshot(PlugStats stats) {
    return new VxvdeStats(
        stats.rxFrames(),
        stats.rxBytes(),
        stats.txFrames(),
        stats.txBytes(),
        stats.malformedCount(),
        stats.droppedCount(),
        notAPeer.sum(),
        senderNotAllowed.sum(),
        badHeader.sum(),
        wrongVni.sum(),
        badLength.sum(),
        selfEcho.sum(),
        goodbyes.sum(),
        sendCalls.sum());
  }
}
