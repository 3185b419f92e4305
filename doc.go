// Package warroom is the domain of the warroom incident response system: the
// types, the rules of the incident process and the interfaces that storage
// and transports implement. It imports only the standard library.
//
// Where to find a rule of the process, by name:
//
//   - Severity levels and what each means: severity.go (Severity, Meaning).
//   - Major or minor, and the thresholds: major.go (MajorReasons) and the
//     named settings in policy.go (Policy, DefaultPolicy).
//   - Lifecycle stages and the allowed transitions: stage.go (Stage,
//     NextStages, CheckTransition).
//   - Incident Command roles, the "IC holds every undelegated role" rule and
//     who may change which role: role.go (Role, EffectiveHolders,
//     CheckRoleChange).
//   - The timeline (append-only events, corrections, stars): event.go.
//   - An incident's state as a fold of its events: incident.go (Fold, Apply).
//   - What a command does to an incident: command.go (Decide).
//   - The first-responder protocol and its 10-minute rule: policy.go
//     (Policy.FirstResponderICTimeout) and firstresponder.go.
//
// Every rule is a pure function of state, command and the current time; no
// rule reads the clock or the database.
package warroom
