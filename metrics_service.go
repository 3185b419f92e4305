package warroom

import (
	"slices"
	"time"
)

// RecurrenceWindow is how soon after a failure another failure of the same
// service (and cluster, when both name one) counts as a recurrence: warroom
// keeps no taxonomy of causes, so "related causes" is read as the same
// thing failing again within this window (seed 004: avoid re-occurrences).
const RecurrenceWindow = 30 * 24 * time.Hour

// Sample is one value of a metric that runs between two incidents of a
// service (MTBF, MTTF); it belongs to the later incident, Next, an index
// into the lifecycles it was computed from.
type Sample struct {
	ServiceID string
	Next      int
	Metric    MetricName
	Value     time.Duration
}

// ServiceChains returns, per service, the indexes of its incidents in the
// order they failed (the detection standing in for an unknown failure
// time, for ordering only).
func ServiceChains(lcs []Lifecycle) map[string][]int {
	sizes := map[string]int{}
	for i := range lcs {
		for _, s := range lcs[i].ServiceIDs {
			sizes[s]++
		}
	}
	chains := make(map[string][]int, len(sizes))
	for s, n := range sizes {
		chains[s] = make([]int, 0, n)
	}
	for i := range lcs {
		for _, s := range lcs[i].ServiceIDs {
			chains[s] = append(chains[s], i)
		}
	}
	order := func(i int) time.Time {
		if t, ok := lcs[i].FailedAt(); ok {
			return t
		}
		return lcs[i].DetectedAt
	}
	for _, c := range chains {
		// Ties keep the lifecycles' order; an unstable sort with the
		// index as tie-break is as deterministic, and much faster on the
		// nearly sorted chains a store returns.
		slices.SortFunc(c, func(a, b int) int {
			if d := order(a).Compare(order(b)); d != 0 {
				return d
			}
			return a - b
		})
	}
	return chains
}

// ServiceSamples returns the MTBF and MTTF samples of every pair of
// consecutive incidents of a service. MTBF needs both failure times; MTTF
// needs the earlier incident's standing recovery and a later failure
// after it (overlapping incidents have no time to fail between them).
func ServiceSamples(lcs []Lifecycle, chains map[string][]int) []Sample {
	n := 0
	for _, c := range chains {
		n += len(c)
	}
	out := make([]Sample, 0, 2*n)
	for svc, chain := range chains {
		for k := 1; k < len(chain); k++ {
			prev, next := &lcs[chain[k-1]], &lcs[chain[k]]
			nextFailed, ok := next.FailedAt()
			if !ok {
				continue
			}
			if prevFailed, ok := prev.FailedAt(); ok {
				out = append(out, Sample{svc, chain[k], MetricMTBF, nextFailed.Sub(prevFailed)})
			}
			if !prev.RecoveredAt.IsZero() && !nextFailed.Before(prev.RecoveredAt) {
				out = append(out, Sample{svc, chain[k], MetricMTTF, nextFailed.Sub(prev.RecoveredAt)})
			}
		}
	}
	return out
}

// Recurrences marks the incidents that are recurrences: an earlier
// incident of one of its services failed within RecurrenceWindow before
// it, in the same cluster when both name one.
func Recurrences(lcs []Lifecycle, chains map[string][]int) []bool {
	out := make([]bool, len(lcs))
	at := func(i int) time.Time {
		if t, ok := lcs[i].FailedAt(); ok {
			return t
		}
		return lcs[i].DetectedAt
	}
	for _, chain := range chains {
		for k := 1; k < len(chain); k++ {
			next := chain[k]
			for j := k - 1; j >= 0; j-- {
				prev := chain[j]
				if at(next).Sub(at(prev)) > RecurrenceWindow {
					break
				}
				if c1, c2 := lcs[prev].Cluster, lcs[next].Cluster; c1 == "" || c2 == "" || c1 == c2 {
					out[next] = true
					break
				}
			}
		}
	}
	return out
}

// ObjectiveCheck compares an incident's actual downtime or data loss with
// one service's objective (RTO or RPO). Met is nil while the actual value
// is missing.
type ObjectiveCheck struct {
	ServiceID string    `json:"service_id"`
	Objective Duration  `json:"objective"`
	Actual    *Duration `json:"actual,omitempty"`
	Met       *bool     `json:"met,omitempty"`
}

// CheckObjectives compares an incident with the RTO (downtime) and RPO
// (data loss) of each of its services that sets one.
func CheckObjectives(lc *Lifecycle, services map[string]*Service) (rto, rpo []ObjectiveCheck) {
	downtime, downOK := lc.Measure(MetricDowntime)
	loss, lossOK := lc.Measure(MetricDataLoss)
	for _, id := range lc.ServiceIDs {
		s := services[id]
		if s == nil {
			continue
		}
		if s.RTO > 0 {
			rto = append(rto, objectiveCheck(id, s.RTO, downtime, downOK))
		}
		if s.RPO > 0 {
			rpo = append(rpo, objectiveCheck(id, s.RPO, loss, lossOK))
		}
	}
	return rto, rpo
}

func objectiveCheck(serviceID string, objective Duration, actual time.Duration, ok bool) ObjectiveCheck {
	c := ObjectiveCheck{ServiceID: serviceID, Objective: objective}
	if ok {
		a, met := Duration(actual), actual <= time.Duration(objective)
		c.Actual, c.Met = &a, &met
	}
	return c
}

// ObjectiveStats counts an objective's checks over a group.
type ObjectiveStats struct {
	Met      int `json:"met"`
	Breached int `json:"breached"`
	Missing  int `json:"missing"`
}

func (o *ObjectiveStats) add(checks []ObjectiveCheck) {
	for _, c := range checks {
		switch {
		case c.Met == nil:
			o.Missing++
		case *c.Met:
			o.Met++
		default:
			o.Breached++
		}
	}
}
