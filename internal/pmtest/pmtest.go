// Package pmtest helps tests of other features get an incident past the
// close gate (warroom.CheckClose) without walking its postmortem through
// the review: the postmortem package's own tests walk that path.
package pmtest

import (
	"context"
	"testing"
	"time"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/sqlstore"
)

// Publish stores a complete, published postmortem for the incident
// idOrRef, as if it had been written, reviewed by someone other than its
// author and published at now. Nothing is put on the incident's timeline,
// so that timeline counts of the calling test do not change.
func Publish(t testing.TB, st *sqlstore.Store, idOrRef string, now time.Time) {
	t.Helper()
	_, _, err := st.ChangePostmortem(context.Background(), idOrRef, func(_ *warroom.Incident, pm *warroom.Postmortem, _ []*warroom.ActionItem) (
		*warroom.Postmortem, []warroom.PostmortemRevision, []warroom.Event, error) {
		next := pm.Clone()
		for _, s := range warroom.Sections {
			next.Sections[s] = warroom.SectionText{Text: "written for the test", Version: 1, UpdatedBy: "test", UpdatedAt: now}
		}
		next.Sections[warroom.SectionDetectionMonitoring] = warroom.SectionText{Text: "yes", Version: 1, UpdatedBy: "test", UpdatedAt: now}
		at := now
		next.State, next.AuthorID, next.ApprovedBy, next.ApprovedAt, next.PublishedAt = warroom.PostmortemPublished, "test-author", "test-reviewer", &at, &at
		next.Version++
		next.UpdatedAt = now
		return next, nil, nil, nil
	})
	if err != nil {
		t.Fatalf("pmtest: publish the postmortem of %s: %v", idOrRef, err)
	}
}
