package org.rap.controller.scheduler;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Queries over many ids, split into {@code IN} lists of a bounded size. */
final class Chunks {
  /** Ids per {@code IN} list. */
  static final int SIZE = 500;

  private Chunks() {}

  /** {@code query} over {@code ids} in chunks of {@link #SIZE}, the answers in order. */
  static <T> Future<List<T>> of(List<String> ids, Function<List<String>, Future<T>> query) {
    List<Future<T>> parts = new ArrayList<>();
    for (int i = 0; i < ids.size(); i += SIZE) {
      parts.add(query.apply(ids.subList(i, Math.min(ids.size(), i + SIZE))));
    }
    return Future.all(parts)
        .map(
            done -> {
              List<T> out = new ArrayList<>(parts.size());
              parts.forEach(p -> out.add(p.result()));
              return out;
            });
  }
}
