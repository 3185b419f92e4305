package warroom

// Severity ranks an incident by its impact. SEV1 is the worst.
type Severity string

// The severities, worst first.
const (
	SEV1 Severity = "SEV1"
	SEV2 Severity = "SEV2"
	SEV3 Severity = "SEV3"
	SEV4 Severity = "SEV4"
)

// Severities lists every severity, worst first.
var Severities = []Severity{SEV1, SEV2, SEV3, SEV4}

// Valid reports whether s is a known severity.
func (s Severity) Valid() bool { return s.rank() > 0 }

// rank is 1 for SEV1 (worst) up to 4 for SEV4, 0 for an unknown value.
func (s Severity) rank() int {
	for i, v := range Severities {
		if v == s {
			return i + 1
		}
	}
	return 0
}

// AtLeast reports whether s is as bad as or worse than other.
func (s Severity) AtLeast(other Severity) bool {
	return s.Valid() && other.Valid() && s.rank() <= other.rank()
}

// Meaning is the documented meaning of each severity, shown to responders
// when they choose one.
func (s Severity) Meaning() string {
	switch s {
	case SEV1:
		return "Critical: full outage or heavy degradation of one or more customer-facing services, data loss or a security breach; every affected customer notices. Major incident."
	case SEV2:
		return "High: a customer-facing service is significantly degraded or down for a subset of customers, or an SLA/SLO is being breached. Major incident."
	case SEV3:
		return "Moderate: partial or intermittent degradation with limited customer impact, or a workaround exists; SLOs at risk but not yet failing."
	case SEV4:
		return "Low: no customer impact yet; an internal problem or risk that could lead to an incident if left unchecked."
	}
	return ""
}
