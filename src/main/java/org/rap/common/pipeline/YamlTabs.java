package org.rap.common.pipeline;

import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.scanner.ScannerImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;
import org.snakeyaml.engine.v2.tokens.ScalarToken;
import org.snakeyaml.engine.v2.tokens.Token;

/**
 * Tabs. The reference first tries libyaml, which accepts tabs except where a simple key may start
 * in block context (line starts, after '-', '?', ':'); if that fails for any reason it re-reads
 * with the pure-Python parser, which rejects every tab outside quoted scalars, block scalars and
 * comments. snakeyaml-engine accepts more than both.
 */
final class YamlTabs {
  private YamlTabs() {}

  /**
   * What the reference's parsers make of the document's tabs.
   *
   * @param firstRejected the index of the first tab the pure parser rejects (-1 if none): the
   *     reference's error when libyaml rejects a tab, or when the document fails later for another
   *     reason
   * @param libyamlRejects whether libyaml rejects a tab
   */
  record Verdict(int firstRejected, boolean libyamlRejects) {
    static final Verdict NONE = new Verdict(-1, false);
  }

  static Verdict scan(YamlSource source, LoadSettings settings) {
    if (source.text().indexOf('\t') < 0) {
      return Verdict.NONE;
    }
    int[] cps = source.codePoints();
    TabState st = new TabState();
    ScannerImpl scanner = new ScannerImpl(settings, new StreamReader(settings, source.text()));
    try {
      while (scanner.hasNext()) {
        Token t = scanner.next();
        int start = t.getStartMark().map(Mark::getIndex).orElse(st.prevEnd);
        int end = t.getEndMark().map(Mark::getIndex).orElse(start);
        if (start > st.prevEnd) {
          scanGap(cps, st, st.prevEnd, start);
        }
        Token.ID id = t.getTokenId();
        if (t instanceof ScalarToken sc && sc.isPlain()) {
          for (int i = start; i < end && i < cps.length; i++) {
            if (cps[i] == '\t') {
              st.ruamelBad(i);
            }
          }
        }
        switch (id) {
          case FlowSequenceStart, FlowMappingStart -> st.flow++;
          case FlowSequenceEnd, FlowMappingEnd -> st.flow = Math.max(0, st.flow - 1);
          default -> {}
        }
        if (end > start || id == Token.ID.StreamStart) {
          st.simpleKeyAllowed =
              switch (id) {
                case StreamStart, DocumentStart, DocumentEnd, BlockEntry, Key, Value -> true;
                default -> false;
              };
        }
        st.prevEnd = Math.max(st.prevEnd, end);
      }
    } catch (MarkedYamlEngineException e) {
      int at = e.getProblemMark().map(Mark::getIndex).orElse(st.prevEnd);
      scanGap(cps, st, st.prevEnd, Math.min(cps.length, at + 1));
    } catch (RuntimeException | StackOverflowError e) {
      // the composer reports it
    }
    return new Verdict(st.firstRuamelBad, st.libyamlRejects);
  }

  private static final class TabState {
    int prevEnd;
    int flow;
    boolean simpleKeyAllowed = true;
    boolean libyamlRejects;
    int firstRuamelBad = -1;

    void ruamelBad(int i) {
      if (firstRuamelBad < 0 || i < firstRuamelBad) {
        firstRuamelBad = i;
      }
    }
  }

  private static void scanGap(int[] cps, TabState st, int from, int to) {
    boolean comment = false;
    for (int i = from; i < to && i < cps.length; i++) {
      int c = cps[i];
      if (c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 || c == 0x2029) {
        comment = false;
        if (st.flow == 0) {
          st.simpleKeyAllowed = true;
        }
      } else if (comment) {
        continue;
      } else if (c == '#') {
        comment = true;
      } else if (c == '\t') {
        st.ruamelBad(i);
        if (st.flow == 0 && st.simpleKeyAllowed) {
          st.libyamlRejects = true;
        }
      }
    }
  }

  /** The reference's error for the tab at {@code index}. */
  static YamlError error(YamlSource source, int index) {
    int[] cps = source.codePoints();
    int line = 0;
    int lineStart = 0;
    for (int i = 0; i < index && i < cps.length; i++) {
      int c = cps[i];
      if (c == '\n'
          || c == 0x85
          || c == 0x2028
          || c == 0x2029
          || (c == '\r' && (i + 1 >= cps.length || cps[i + 1] != '\n'))) {
        line++;
        lineStart = i + 1;
      }
    }
    int column = index - lineStart - (lineStart == 0 && cps.length > 0 && cps[0] == 0xFEFF ? 1 : 0);
    Mark mark = new Mark(YamlSource.SOURCE_NAME, index, line, column, cps, index);
    return source.error(
        "while scanning for the next token",
        Optional.empty(),
        "found character '\\t' that cannot start any token",
        Optional.of(mark));
  }
}
