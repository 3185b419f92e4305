package warroom

import (
	"math"
	"slices"
	"time"
)

// Stats summarises one metric over a group of incidents. Count is how many
// incidents had a value; Missing how many lacked a time the metric needs
// (they are left out of the figures, never counted as zero). The figures
// are nil when Count is zero.
type Stats struct {
	Count   int       `json:"count"`
	Missing int       `json:"missing"`
	Mean    *Duration `json:"mean,omitempty"`
	Median  *Duration `json:"median,omitempty"`
	P90     *Duration `json:"p90,omitempty"`
}

// Summarise computes Stats over values (modified: sorted in place) with
// missing incidents that had none.
func Summarise(values []time.Duration, missing int) Stats {
	st := Stats{Count: len(values), Missing: missing}
	if len(values) == 0 {
		return st
	}
	slices.Sort(values)
	var sum float64
	for _, v := range values {
		sum += float64(v)
	}
	mean := Duration(time.Duration(math.Round(sum / float64(len(values)))))
	median, p90 := Duration(Percentile(values, 50)), Duration(Percentile(values, 90))
	st.Mean, st.Median, st.P90 = &mean, &median, &p90
	return st
}

// Percentile returns the p-th percentile (0-100) of sorted values by linear
// interpolation between closest ranks (the method of numpy's default and
// of spreadsheets' PERCENTILE.INC): the median of 1m and 3m is 2m.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(sorted)-1)
	frac := rank - float64(lo)
	return sorted[lo] + time.Duration(math.Round(frac*float64(sorted[hi]-sorted[lo])))
}
