package org.rap.common.telemetry;

import java.util.concurrent.Callable;

/** Times blocking calls to one external system (git, Docker), by operation. */
public interface CallTimer {
  /** Does not time anything. */
  CallTimer NONE =
      new CallTimer() {
        @Override
        public <T> T time(String operation, Callable<T> body) throws Exception {
          return body.call();
        }

        @Override
        public void record(String operation, String outcome, long nanos) {}
      };

  /** Runs {@code body}, recording its duration with outcome {@code success} or {@code error}. */
  <T> T time(String operation, Callable<T> body) throws Exception;

  void record(String operation, String outcome, long nanos);
}
