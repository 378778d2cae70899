package org.rap.agent;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.time.Duration;
import org.rap.agent.executor.TimedDockerHttpClient;
import org.rap.common.telemetry.CallTimer;

/**
 * Builds the agent's docker-java client (zerodep transport, API version left to the daemon; {@code
 * DOCKER_HOST} honoured, default the local socket). Every call on it blocks: use it only from
 * worker threads.
 */
public final class DockerClients {
  private DockerClients() {}

  public static DockerClient create() {
    return create(CallTimer.NONE);
  }

  /** Timing every Engine API call with {@code timer}. */
  public static DockerClient create(CallTimer timer) {
    DefaultDockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
    ZerodepDockerHttpClient http =
        new ZerodepDockerHttpClient.Builder()
            .dockerHost(cfg.getDockerHost())
            .sslConfig(cfg.getSSLConfig())
            .maxConnections(32)
            .connectionTimeout(Duration.ofSeconds(10))
            .responseTimeout(Duration.ofMinutes(30))
            .build();
    return DockerClientImpl.getInstance(cfg, TimedDockerHttpClient.wrap(http, timer));
  }
}
