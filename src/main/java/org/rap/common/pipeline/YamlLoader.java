package org.rap.common.pipeline;

import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.ReaderException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlVersionException;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Loads YAML text into plain values the way the reference does (ruamel.yaml, YAML 1.2, safe types,
 * duplicate keys rejected), and words YAML errors as ruamel does: problem, position marks with a
 * snippet and caret.
 *
 * <p>Values: {@code null}, {@link String}, {@link Boolean}, {@link BigInteger}, {@link Double},
 * {@link List}, {@link LinkedHashMap} (file order), and the {@link PyText} records for rarer types.
 *
 * <p>The {@link ProjectLimits} hold while parsing ({@link BoundedYamlParser}), and the text is read
 * in one buffer: snakeyaml-engine copies its read window on every refill, which made a long scalar
 * cost time quadratic in its length (seconds for a few megabytes) with the default 1 KiB buffer.
 */
final class YamlLoader {
  private YamlLoader() {}

  /**
   * Parses one YAML document within {@code limits} (the caller has checked the text's size).
   *
   * @return the document's value, or {@link Optional#empty()} for a stream with no document
   */
  static Optional<Object> load(String text, ProjectLimits limits) throws YamlError {
    YamlSource source = new YamlSource(text);
    LoadSettings settings =
        LoadSettings.builder()
            .setSchema(YamlScalars.SCHEMA)
            .setLabel(YamlSource.SOURCE_NAME)
            .setAllowNonScalarKeys(true)
            .setAllowRecursiveKeys(false)
            // BoundedYamlParser refuses the alias before this, with the alias's position
            .setMaxAliasesForCollections(ProjectLimits.MAX_COLLECTION_ALIASES + 1)
            .setCodePointLimit((int) Math.min(Integer.MAX_VALUE, limits.maxBytes()))
            .setBufferSize(text.length() + 1)
            .build();
    YamlTabs.Verdict tabs = YamlTabs.scan(source, settings);
    int badTab = tabs.firstRejected();
    if (badTab >= 0 && tabs.libyamlRejects()) {
      throw YamlTabs.error(source, badTab);
    }
    Optional<Node> root;
    try {
      BoundedYamlParser events =
          new BoundedYamlParser(
              new ParserImpl(settings, new StreamReader(settings, text)), source, limits);
      root = new Composer(settings, events).getSingleNode();
    } catch (BoundedYamlParser.LimitExceeded e) {
      throw e.error;
    } catch (MarkedYamlEngineException e) {
      int at = e.getProblemMark().map(Mark::getIndex).orElse(Integer.MAX_VALUE);
      if (badTab >= 0 && badTab <= at) {
        throw YamlTabs.error(source, badTab);
      }
      String context = e.getContext() == null || e.getContext().isEmpty() ? null : e.getContext();
      throw source.error(
          context, e.getContextMark(), YamlProblems.of(e, source), e.getProblemMark());
    } catch (ReaderException e) {
      throw new YamlError(
          String.format(
                  "unacceptable character #x%04x: special characters are not allowed%n  in \"%s\", position %d",
                  e.getCodePoint(), YamlSource.SOURCE_NAME, e.getPosition())
              .replace("\r\n", "\n"));
    } catch (YamlVersionException e) {
      throw new YamlError("found incompatible YAML document (version 1.* is required)");
    } catch (YamlEngineException e) {
      throw new YamlError(e.getMessage());
    } catch (StackOverflowError e) {
      throw new YamlError("the YAML document is nested too deeply to be read");
    } catch (RuntimeException e) {
      throw new YamlError("the YAML document could not be read: " + e);
    }
    if (root.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.ofNullable(new YamlConstructor(source).construct(root.get(), 0));
    } catch (YamlError e) {
      // The fast parser failed, so the reference re-reads with the pure parser, which stops at
      // the first tab it does not accept before any construction error.
      if (badTab >= 0) {
        throw YamlTabs.error(source, badTab);
      }
      throw e;
    } catch (StackOverflowError e) {
      throw new YamlError("the YAML document is nested too deeply to be read");
    }
  }
}
