package org.rap.common.pipeline;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;

/**
 * Builds plain values from a composed YAML node graph as ruamel's safe loader does: merge keys
 * ({@code <<}), duplicate keys rejected (keys equal as Python's dict compares them), and a node
 * reached through several aliases built once and shared.
 */
final class YamlConstructor {
  private static final int MAX_DEPTH = 2000;
  private static final Object NONE_KEY = new Object();

  private final YamlSource source;
  private final IdentityHashMap<Node, Object> built = new IdentityHashMap<>();

  YamlConstructor(YamlSource source) {
    this.source = source;
  }

  Object construct(Node node, int depth) throws YamlError {
    if (depth > MAX_DEPTH) {
      throw source.error(
          null,
          Optional.empty(),
          "the YAML document is nested too deeply to be read",
          node.getStartMark());
    }
    if (built.containsKey(node)) {
      return built.get(node);
    }
    if (node instanceof ScalarNode scalar) {
      Object v = YamlScalars.construct(scalar, source);
      built.put(node, v);
      return v;
    }
    if (node instanceof SequenceNode seq) {
      List<Object> list = new ArrayList<>(seq.getValue().size());
      built.put(node, list);
      for (Node child : seq.getValue()) {
        list.add(construct(child, depth + 1));
      }
      return list;
    }
    if (node instanceof MappingNode mapping) {
      LinkedHashMap<Object, Object> map = new LinkedHashMap<>();
      built.put(node, map);
      constructMapping(mapping, map, depth);
      return map;
    }
    throw new YamlError("unsupported YAML node " + node.getNodeType());
  }

  private void constructMapping(MappingNode node, LinkedHashMap<Object, Object> map, int depth)
      throws YamlError {
    boolean hasMerge = false;
    for (NodeTuple t : node.getValue()) {
      if (isMergeKey(t.getKeyNode())) {
        hasMerge = true;
        break;
      }
    }
    Map<Object, Object> seen = new HashMap<>();
    if (!hasMerge) {
      for (NodeTuple t : node.getValue()) {
        Object key = constructKey(t.getKeyNode(), depth);
        Object value = construct(t.getValueNode(), depth + 1);
        Object norm = normKey(key, 0);
        if (seen.containsKey(norm)) {
          Object original = map.get(seen.get(norm));
          throw source.error(
              "while constructing a mapping",
              node.getStartMark(),
              "found duplicate key \""
                  + PyText.str(key)
                  + "\" with value \""
                  + PyText.str(value)
                  + "\" (original value: \""
                  + PyText.str(original)
                  + "\")",
              t.getKeyNode().getStartMark());
        }
        seen.put(norm, key);
        map.put(key, value);
      }
      return;
    }
    // Merge keys (<<): merged pairs first, the mapping's own pairs override them; no duplicate
    // check, as ruamel's safe loader does it.
    List<NodeTuple> pairs = new ArrayList<>();
    flattenMerges(node, pairs, 0);
    for (NodeTuple t : node.getValue()) {
      if (!isMergeKey(t.getKeyNode())) {
        pairs.add(t);
      }
    }
    for (NodeTuple t : pairs) {
      Object key = constructKey(t.getKeyNode(), depth);
      Object value = construct(t.getValueNode(), depth + 1);
      Object norm = normKey(key, 0);
      Object existing = seen.get(norm);
      if (existing != null || seen.containsKey(norm)) {
        map.put(existing, value);
      } else {
        seen.put(norm, key);
        map.put(key, value);
      }
    }
  }

  private void flattenMerges(MappingNode node, List<NodeTuple> out, int depth) throws YamlError {
    if (depth > 100) {
      throw new YamlError("merge keys (<<) are nested too deeply");
    }
    for (NodeTuple t : node.getValue()) {
      if (!isMergeKey(t.getKeyNode())) {
        continue;
      }
      Node v = t.getValueNode();
      if (v instanceof MappingNode m) {
        addMerged(m, out, depth);
      } else if (v instanceof SequenceNode s) {
        List<Node> items = new ArrayList<>(s.getValue());
        Collections.reverse(items);
        for (Node item : items) {
          if (!(item instanceof MappingNode m)) {
            throw source.error(
                "while constructing a mapping",
                node.getStartMark(),
                "expected a mapping for merging, but found " + nodeId(item),
                item.getStartMark());
          }
          addMerged(m, out, depth);
        }
      } else {
        throw source.error(
            "while constructing a mapping",
            node.getStartMark(),
            "expected a mapping or list of mappings for merging, but found " + nodeId(v),
            v.getStartMark());
      }
    }
  }

  private void addMerged(MappingNode m, List<NodeTuple> out, int depth) throws YamlError {
    flattenMerges(m, out, depth + 1);
    for (NodeTuple t : m.getValue()) {
      if (!isMergeKey(t.getKeyNode())) {
        out.add(t);
      }
    }
  }

  private static String nodeId(Node n) {
    return switch (n.getNodeType()) {
      case SCALAR -> "scalar";
      case SEQUENCE -> "sequence";
      case MAPPING -> "mapping";
      default -> n.getNodeType().toString().toLowerCase(Locale.ROOT);
    };
  }

  private static boolean isMergeKey(Node key) {
    return key instanceof ScalarNode s && Tag.MERGE.equals(s.getTag());
  }

  private Object constructKey(Node keyNode, int depth) throws YamlError {
    Object key = construct(keyNode, depth + 1);
    if (key instanceof List<?> l) {
      return new PyText.Tuple(new ArrayList<>(l));
    }
    return key;
  }

  /** A key that is equal to another exactly when Python's dict would treat them as equal. */
  private static Object normKey(Object key, int depth) throws YamlError {
    if (depth > 100) {
      throw new YamlError("a mapping key is nested too deeply");
    }
    if (key == null) {
      return NONE_KEY;
    }
    if (key instanceof Boolean b) {
      return b ? BigInteger.ONE : BigInteger.ZERO;
    }
    if (key instanceof Double d) {
      if (d.isNaN()) {
        return new Object();
      }
      if (!d.isInfinite() && d == Math.rint(d)) {
        return new BigDecimal(d).toBigInteger();
      }
      return d;
    }
    if (key instanceof PyText.Tuple t) {
      List<Object> items = new ArrayList<>();
      for (Object o : t.items()) {
        items.add(normKey(o, depth + 1));
      }
      return items;
    }
    if (key instanceof Map<?, ?> m) {
      List<Object> items = new ArrayList<>();
      for (Map.Entry<?, ?> e : m.entrySet()) {
        items.add(List.of(normKey(e.getKey(), depth + 1), normKey(e.getValue(), depth + 1)));
      }
      return Map.of("map", items);
    }
    if (key instanceof List<?> l) {
      List<Object> items = new ArrayList<>();
      for (Object o : l) {
        items.add(normKey(o, depth + 1));
      }
      return items;
    }
    if (key instanceof PyText.Tagged) {
      return new Object(); // hashed by identity in the reference
    }
    return key;
  }
}
