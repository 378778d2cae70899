package org.rap.common.pipeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Circular {@code needs} (docs/spec/project-yaml.md section 8), found without recursion. */
final class NeedsCycles {
  private NeedsCycles() {}

  static void check(Map<String, Action> actions) throws ProjectValidationError {
    Map<String, Integer> state = new HashMap<>(); // 1 = on stack, 2 = done
    for (String start : actions.keySet()) {
      if (state.containsKey(start)) {
        continue;
      }
      Deque<String> path = new ArrayDeque<>();
      Deque<Integer> nextIndex = new ArrayDeque<>();
      path.push(start);
      nextIndex.push(0);
      state.put(start, 1);
      while (!path.isEmpty()) {
        String node = path.peek();
        int i = nextIndex.pop();
        List<String> needs = actions.get(node).needs();
        if (i >= needs.size()) {
          state.put(node, 2);
          path.pop();
          continue;
        }
        nextIndex.push(i + 1);
        String next = needs.get(i);
        Integer s = state.get(next);
        if (s == null) {
          state.put(next, 1);
          path.push(next);
          nextIndex.push(0);
        } else if (s == 1) {
          List<String> stack = new ArrayList<>(path);
          Collections.reverse(stack);
          List<String> cycle = new ArrayList<>(stack.subList(stack.indexOf(next), stack.size()));
          cycle.add(next);
          throw ProjectParser.invalid(
              "Action `"
                  + next
                  + "` has a circular dependency in its `needs` list: "
                  + String.join(" -> ", cycle));
        }
      }
    }
  }
}
