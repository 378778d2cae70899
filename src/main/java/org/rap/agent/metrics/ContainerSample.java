package org.rap.agent.metrics;

/**
 * One stats sample of a running job container.
 *
 * @param createdAtEpochSeconds container {@code Created} (the reference's {@code started_at})
 * @param cpuPercentage percent of one CPU (may exceed 100)
 * @param memoryBytes memory used, without page cache, as {@code docker stats} shows it
 */
public record ContainerSample(
    String jobId,
    String containerId,
    long createdAtEpochSeconds,
    double cpuPercentage,
    long memoryBytes) {}
