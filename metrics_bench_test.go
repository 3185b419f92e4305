package warroom_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/warroom/warroom"
)

// BenchmarkBuildReport100k: the aggregation alone (no database) of every
// metric by service over 100,000 lifecycles.
func BenchmarkBuildReport100k(b *testing.B) {
	var lcs []warroom.Lifecycle
	var svcs []*warroom.Service
	for i := range 10 {
		svcs = append(svcs, &warroom.Service{ID: fmt.Sprint("s", i), Slug: fmt.Sprint("s", i), RTO: warroom.Duration(time.Hour)})
	}
	for i := range 100000 {
		at := base.Add(time.Duration(i) * 10 * time.Minute)
		st := at.Add(-5 * time.Minute)
		tl := newTimeline(fmt.Sprint("i", i), int64(i+1), at, warroom.Declaration{Title: "x", ImpactStartedAt: &st,
			Impact: warroom.Impact{ServiceIDs: []string{svcs[i%10].ID}}}).
			stage(warroom.StageIdentified, at.Add(10*time.Minute)).
			stage(warroom.StageRecovered, at.Add(30*time.Minute))
		lcs = append(lcs, warroom.FoldLifecycle(tl.events))
	}
	q := warroom.ReportQuery{To: base.Add(100000 * time.Hour), GroupBy: warroom.GroupService}
	q.Metrics, _ = warroom.ParseMetrics(nil)
	for b.Loop() {
		warroom.BuildReport(lcs, svcs, q)
	}
}
