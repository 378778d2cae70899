/**
 * How the agent's verticles talk: every event-bus address ({@link
 * org.rap.agent.bus.AgentAddresses}), the executor's requests ({@link
 * org.rap.agent.bus.ExecutorOp}) and the one local codec with request/reply ({@link
 * org.rap.agent.bus.LocalMessages}).
 */
package org.rap.agent.bus;
