// Package paging turns alerts and incidents into pages: it holds the
// engine's job handlers (route a new alert, escalate, notify a user by
// their rules, announce an incident, the first responder's 10-minute
// check, the major-duration check, the all-alerts-resolved note), the
// reactor that schedules an incident's jobs in the transaction that
// declares it, the outbox sender (one worker per queue), and
// acknowledgement (API, CLI, signed one-click links).
//
// Nothing here keeps state in memory that a restart could lose: where
// paging stands for an alert is the payload of its next escalation.step
// job, and every message is an outbox row. Every handler is safe to run
// twice: jobs are keyed, message IDs are derived from the job that made
// them, and incident commands carry an idempotency key derived from the
// job. Right before each send the sender checks the alert and incident
// again, so nothing goes out after an acknowledgement.
//
// See docs/paging-design.md for the contract.
package paging
