// Package comms runs communications during an incident (issue 10): updates
// to each audience as records of their own, their templates and the
// executive summary; the update cadence (reminding the owner when an
// update is due, telling the IC when it is late); customers and the
// delivery of customer updates by email (contacts, manager in copy) and
// to their shared Slack channel; and the first assessment and asking for
// help (seed 003).
//
// The rules are pure functions at the root (update.go, cadence.go,
// customer.go, assess.go, help.go); this package stores and schedules.
// Everything that happens later is a keyed engine job, scheduled in the
// transaction of the event that calls for it (Reactor) or as the
// follow-up of another job, and safe to run twice: reminders and pages go
// through paging's notify.user jobs (the person's contact methods), keyed
// by the deadline they are about; customer deliveries are rows sent once.
//
// See docs/communications.md.
package comms
