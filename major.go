package warroom

import (
	"fmt"
	"time"
)

// MajorReasons returns why an incident is major at time now by the rules
// of seed 004, or nothing if it is minor by them:
//
//   - its severity is the policy's major severity or worse;
//   - it has lasted longer than the policy's major duration, counted from
//     the start of impact to recovery (or to now, while not recovered);
//   - more teams than the policy allows are involved, counting the teams of
//     everyone who took part.
//
// Marking an incident major by hand is a command (MarkMajor), not a rule.
func MajorReasons(inc *Incident, now time.Time, p Policy) []string {
	var reasons []string
	if inc.Severity.AtLeast(p.MajorSeverity) {
		reasons = append(reasons, fmt.Sprintf("severity %s is %s or worse", inc.Severity, p.MajorSeverity))
	}
	// Only while the service is recovered: an incident whose impact came
	// back (recovered -> investigating, or reopened) lasts until now again.
	end := now
	if inc.RecoveredAt != nil && inc.Stage.Recovered() {
		end = *inc.RecoveredAt
	}
	if lasted := end.Sub(inc.ImpactStartedAt); lasted > p.MajorDuration {
		reasons = append(reasons, fmt.Sprintf("it has lasted longer than %s", formatDuration(p.MajorDuration)))
	}
	if n := len(inc.ParticipantTeams); n > p.MajorTeams {
		reasons = append(reasons, fmt.Sprintf("%d teams are involved (more than %d)", n, p.MajorTeams))
	}
	return reasons
}

// MajorDueAt returns when an open, minor incident will become major by
// duration alone, so that a job can be scheduled for that instant; ok is
// false if that cannot happen any more (already major, or recovered).
// The rule is "longer than" the major duration, so the instant is one
// microsecond (the finest resolution databases keep) after it: at exactly
// ImpactStartedAt+MajorDuration the incident is not major yet.
func MajorDueAt(inc *Incident, p Policy) (at time.Time, ok bool) {
	if inc.Major || inc.Stage.Recovered() {
		return time.Time{}, false
	}
	return inc.ImpactStartedAt.Add(p.MajorDuration + time.Microsecond), true
}

// formatDuration prints whole hours as "4h" rather than "4h0m0s".
func formatDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
