/**
 * Several agents per backend (docs/spec/task-api.md section 8): named agents, the leases they hold
 * tasks under, how new tasks are spread over them, fencing, and what happens when a lease runs out.
 */
package org.rap.controller.fleet;
