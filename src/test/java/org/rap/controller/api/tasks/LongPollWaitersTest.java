package org.rap.controller.api.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The waiter count that metrics read from another thread follows every change. */
class LongPollWaitersTest {
  @Test
  void sizeFollowsRegisterRemoveSignalAndSignalAll() {
    LongPollWaiters w = new LongPollWaiters();
    Promise<Void> a1 = w.register("a");
    Promise<Void> a2 = w.register("a");
    Promise<Void> b1 = w.register("b");
    w.register("c");
    assertEquals(4, w.size());
    w.remove("a", a1);
    w.remove("a", a1); // twice: counted once
    assertEquals(3, w.size());
    w.signal("a");
    assertTrue(a2.future().isComplete());
    assertFalse(b1.future().isComplete());
    assertEquals(2, w.size());
    w.remove("a", a2); // the poll's own cleanup after its signal
    assertEquals(2, w.size());
    w.signalAll();
    assertTrue(b1.future().isComplete());
    assertEquals(0, w.size());
  }

  @Test
  void aNewTaskWakesOneNamedAgentThatMayTakeItAndACancellationWakesAll() {
    LongPollWaiters w = new LongPollWaiters();
    Promise<Void> full = w.registerNamed("a", "agent-full");
    w.setFree("a", full, 0);
    Promise<Void> free1 = w.registerNamed("a", "agent-1");
    w.setFree("a", free1, 2);
    Promise<Void> free2 = w.registerNamed("a", "agent-2");
    Promise<Void> legacy = w.register("a");
    assertEquals(4, w.size());
    w.signal("a", false);
    assertTrue(legacy.future().isComplete(), "an agent without an id sees every task");
    assertTrue(free1.future().isComplete(), "the longest-waiting agent with room");
    assertFalse(full.future().isComplete(), "no room: not woken");
    assertFalse(free2.future().isComplete(), "one agent per task");
    assertEquals(2, w.size());
    w.signal("a", true);
    assertTrue(full.future().isComplete());
    assertTrue(free2.future().isComplete());
    assertEquals(0, w.size());
  }

  @Test
  void aFullAgentIsWokenWhenOneOfItsTasksEnds() {
    LongPollWaiters w = new LongPollWaiters();
    Promise<Void> full = w.registerNamed("a", "agent-full");
    w.setFree("a", full, 0);
    Promise<Void> other = w.registerNamed("a", "agent-other");
    w.setFree("a", other, 0);
    w.signal("a", false);
    assertFalse(full.future().isComplete(), "no room when the task was created");
    w.wakeAgent("a", "agent-full");
    assertTrue(full.future().isComplete(), "its task ended: it may claim the waiting task now");
    assertFalse(other.future().isComplete(), "only that agent");
    assertEquals(1, w.size());
    w.wakeAgent("a", "agent-full"); // no poll held any more: nothing happens
    assertEquals(1, w.size());
  }

  @Test
  void sizeCanBeReadFromAnotherThreadWhileTheLoopChangesTheWaiters() throws Exception {
    LongPollWaiters w = new LongPollWaiters();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              try {
                while (!stop.get()) {
                  int n = w.size();
                  if (n < 0 || n > 2) {
                    throw new IllegalStateException("size " + n);
                  }
                }
              } catch (Throwable t) {
                failed.set(t);
              }
            });
    reader.start();
    for (int i = 0; i < 200_000; i++) {
      Promise<Void> p = w.register("b" + (i % 7));
      w.register("x");
      w.remove("b" + (i % 7), p);
      w.signal("x");
    }
    stop.set(true);
    reader.join();
    assertEquals(null, failed.get());
    assertEquals(0, w.size());
  }
}
