package org.rap.agent.poller;

import java.time.Duration;

/**
 * @param interval JOB_LOOP_INTERVAL: minimum time between the starts of two polls (a controller
 *     that answers at once, or a poll that returned tasks, is followed by a sleep)
 * @param longPollSeconds AGENT_LONG_POLL_SECONDS: {@code wait} asked of the controller, 0 = none
 * @param backoffBase first delay after a transient error
 * @param backoffCap largest delay between retries
 * @param drainTimeout how long stop() waits for in-flight handlings
 */
public record PollerSettings(
    Duration interval,
    int longPollSeconds,
    Duration backoffBase,
    Duration backoffCap,
    Duration drainTimeout) {

  /**
   * Retries start after about a second and back off to at most {@link #BACKOFF_CAP}: an agent
   * resumes within that long after its controller comes back (one agent per backend, so retrying
   * that often costs the controller nothing).
   */
  public static PollerSettings of(Duration interval, int longPollSeconds, Duration drainTimeout) {
    return new PollerSettings(
        interval, longPollSeconds, Duration.ofSeconds(1), BACKOFF_CAP, drainTimeout);
  }

  public static final Duration BACKOFF_CAP = Duration.ofSeconds(4);
}
