package org.rap.agent.poller;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The agent's fatal condition (the controller rejected its token). Set once; listeners run once, in
 * registration order. Readiness reports unready while set.
 */
public final class FatalErrors {
  private final AtomicReference<String> reason = new AtomicReference<>();
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  public void onFatal(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Records the first fatal reason and notifies the listeners; later reports are ignored. */
  public void report(String message) {
    if (reason.compareAndSet(null, message)) {
      for (Consumer<String> l : listeners) {
        try {
          l.accept(message);
        } catch (RuntimeException e) {
          // a listener must not stop the others
        }
      }
    }
  }

  public Optional<String> reason() {
    return Optional.ofNullable(reason.get());
  }

  public boolean isFatal() {
    return reason.get() != null;
  }
}
