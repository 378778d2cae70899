package org.rap.common.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * TLS of a role's HTTP listener: PEM certificate chain and private key files, checked for changes
 * every {@code reloadInterval} so a renewed certificate is served without a restart.
 */
public record ServerTls(Path certFile, Path keyFile, Duration reloadInterval) {}
