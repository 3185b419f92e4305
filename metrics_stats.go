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

// Summarise computes Stats over values (reordered in place) with missing
// incidents that had none.
func Summarise(values []time.Duration, missing int) Stats {
	st := Stats{Count: len(values), Missing: missing}
	if len(values) == 0 {
		return st
	}
	var sum float64
	for _, v := range values {
		sum += float64(v)
	}
	mean := Duration(time.Duration(math.Round(sum / float64(len(values)))))
	// Selecting the ranks a percentile needs is linear; sorting a report
	// of 100,000 incidents per metric and group was most of its time.
	median, p90 := Duration(selectPercentile(values, 50)), Duration(selectPercentile(values, 90))
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

// selectPercentile is Percentile of values without sorting them: it
// selects the two ranks it interpolates between (values is reordered).
func selectPercentile(values []time.Duration, p float64) time.Duration {
	rank := p / 100 * float64(len(values)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(values)-1)
	vlo := selectKth(values, lo)
	// After selecting lo, every value above index lo is >= it: the next
	// rank is the smallest of them.
	vhi := vlo
	if hi > lo {
		vhi = slices.Min(values[lo+1:])
	}
	return vlo + time.Duration(math.Round((rank-float64(lo))*float64(vhi-vlo)))
}

// selectKth reorders values so that values[k] is the k-th smallest, the
// ones before it no larger and the ones after no smaller (quickselect,
// median-of-three pivots), and returns it.
func selectKth(values []time.Duration, k int) time.Duration {
	lo, hi := 0, len(values)-1
	for hi > lo {
		if hi-lo < 16 {
			slices.Sort(values[lo : hi+1])
			break
		}
		mid := lo + (hi-lo)/2
		if values[mid] < values[lo] {
			values[mid], values[lo] = values[lo], values[mid]
		}
		if values[hi] < values[lo] {
			values[hi], values[lo] = values[lo], values[hi]
		}
		if values[hi] < values[mid] {
			values[hi], values[mid] = values[mid], values[hi]
		}
		pivot := values[mid]
		i, j := lo, hi
		for i <= j {
			for values[i] < pivot {
				i++
			}
			for values[j] > pivot {
				j--
			}
			if i <= j {
				values[i], values[j] = values[j], values[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return values[k]
		}
	}
	return values[k]
}
