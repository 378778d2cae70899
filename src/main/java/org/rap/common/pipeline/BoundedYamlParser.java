package org.rap.common.pipeline;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.common.Anchor;
import org.snakeyaml.engine.v2.events.AliasEvent;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.NodeEvent;
import org.snakeyaml.engine.v2.events.ScalarEvent;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.parser.Parser;

/**
 * The YAML parser's events on their way to the composer, refused as soon as the document breaks one
 * of the {@link ProjectLimits}: more than {@link ProjectLimits#maxNodes()} values (each costs a few
 * hundred bytes of memory while loading), lists and mappings nested more than {@link
 * ProjectLimits#MAX_NESTING} deep, more than {@link ProjectLimits#MAX_COLLECTION_ALIASES} aliases
 * of lists and mappings, or a document that would grow beyond {@link ProjectLimits#maxExpanded()}
 * once every alias is replaced by what it names (a "billion laughs"). The loader builds each
 * aliased value once and shares it, but everything downstream that renders values (a {@code config}
 * written as JSON into the run command, error messages) would expand it.
 *
 * <p>The size of each anchored value is known when its last event has passed, so every alias costs
 * one lookup; the composer's recursion never goes deeper than the nesting limit.
 */
final class BoundedYamlParser implements Parser {
  /** A limit was broken; carries the complete message (unchecked, to cross the composer). */
  static final class LimitExceeded extends RuntimeException {
    final YamlError error;

    LimitExceeded(YamlError error) {
      super(error.getMessage(), null, false, false);
      this.error = error;
    }
  }

  private final Parser events;
  private final YamlSource source;
  private final ProjectLimits limits;

  /** The expanded size counted so far when each open list or mapping started. */
  private final Deque<Long> openStarts = new ArrayDeque<>();

  private final Deque<Optional<Anchor>> openAnchors = new ArrayDeque<>();
  private final Map<Anchor, Long> anchoredSizes = new HashMap<>();
  private final Set<Anchor> anchoredCollections = new HashSet<>();
  private long expanded;
  private long nodes;
  private int collectionAliases;

  BoundedYamlParser(Parser events, YamlSource source, ProjectLimits limits) {
    this.events = events;
    this.source = source;
    this.limits = limits;
  }

  @Override
  public boolean checkEvent(Event.ID id) {
    return events.checkEvent(id);
  }

  @Override
  public Event peekEvent() {
    return events.peekEvent();
  }

  @Override
  public boolean hasNext() {
    return events.hasNext();
  }

  @Override
  public Event next() {
    Event e = events.next();
    switch (e.getEventId()) {
      case Scalar -> {
        ScalarEvent scalar = (ScalarEvent) e;
        node(e);
        long size = 1L + scalar.getValue().length();
        grow(size, e);
        scalar.getAnchor().ifPresent(a -> anchored(a, size, false));
      }
      case SequenceStart, MappingStart -> {
        if (openStarts.size() >= ProjectLimits.MAX_NESTING) {
          throw exceeded(
              "the YAML document is nested too deeply to be read (more than "
                  + ProjectLimits.MAX_NESTING
                  + " levels of lists and mappings)",
              e.getStartMark());
        }
        node(e);
        openStarts.push(expanded);
        openAnchors.push(((NodeEvent) e).getAnchor());
        grow(1, e);
      }
      case SequenceEnd, MappingEnd -> {
        if (!openStarts.isEmpty()) {
          long size = expanded - openStarts.pop();
          openAnchors.pop().ifPresent(a -> anchored(a, size, true));
        }
      }
      case Alias -> alias((AliasEvent) e);
      default -> {}
    }
    return e;
  }

  private void node(Event e) {
    if (++nodes > limits.maxNodes()) {
      throw exceeded(
          "the YAML document has too many values to be read (more than "
              + limits.maxNodes()
              + " scalars, lists and mappings)",
          e.getStartMark());
    }
  }

  private void anchored(Anchor anchor, long size, boolean collection) {
    anchoredSizes.put(anchor, size);
    if (collection) {
      anchoredCollections.add(anchor);
    } else {
      anchoredCollections.remove(anchor);
    }
  }

  private void alias(AliasEvent e) {
    Anchor anchor = e.getAlias();
    if (anchoredCollections.contains(anchor)
        && ++collectionAliases > ProjectLimits.MAX_COLLECTION_ALIASES) {
      throw exceeded(
          "the YAML document uses too many aliases to be read (more than "
              + ProjectLimits.MAX_COLLECTION_ALIASES
              + " aliases of lists and mappings)",
          e.getStartMark());
    }
    // an undefined alias is the composer's error; an alias of a list or mapping that is still
    // open (a recursive value) adds nothing new
    grow(anchoredSizes.getOrDefault(anchor, 1L), e);
  }

  private void grow(long size, Event e) {
    expanded += size;
    if (expanded > limits.maxExpanded()) {
      throw exceeded(
          "the YAML document is too large to be read once its aliases are expanded (more than "
              + limits.maxExpanded()
              + " characters)",
          e.getStartMark());
    }
  }

  private LimitExceeded exceeded(String problem, Optional<Mark> mark) {
    return new LimitExceeded(source.error(null, Optional.empty(), problem, mark));
  }
}
