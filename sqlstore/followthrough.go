package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/warroom/warroom"
)

// ListFollowThroughFacts loads every saved postmortem, Post Mortem Review
// due time and action item, by incident (warroom.FollowThroughStore): three
// reads of tables with at most a row per incident, or a few items each.
func (s *Store) ListFollowThroughFacts(ctx context.Context) (map[string]*warroom.FollowThroughFacts, error) {
	out := map[string]*warroom.FollowThroughFacts{}
	of := func(id string) *warroom.FollowThroughFacts {
		f := out[id]
		if f == nil {
			f = &warroom.FollowThroughFacts{}
			out[id] = f
		}
		return f
	}
	type postmortemRow struct {
		id string
		pm *warroom.Postmortem
	}
	rows, err := s.query(ctx, "SELECT incident_id, doc FROM postmortems")
	pms, err := collectOr(rows, err, func(r scanner) (p postmortemRow, err error) {
		p.pm = &warroom.Postmortem{}
		return p, r.Scan(&p.id, jsonCol{p.pm})
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list postmortems: %w", err)
	}
	for _, p := range pms {
		of(p.id).Postmortem = p.pm
	}
	type reviewRow struct {
		id  string
		due time.Time
	}
	rows, err = s.query(ctx, "SELECT incident_id, due_at FROM postmortem_reviews")
	reviews, err := collectOr(rows, err, func(r scanner) (v reviewRow, err error) {
		return v, r.Scan(&v.id, timeCol{&v.due})
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list reviews: %w", err)
	}
	for _, v := range reviews {
		of(v.id).ReviewDueAt = v.due
	}
	items, err := s.ListActionItems(ctx, warroom.ActionItemFilter{})
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		f := of(it.IncidentID)
		f.Items = append(f.Items, it)
	}
	return out, nil
}

// collectOr is collect after a query that may have failed.
func collectOr[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	return collect(rows, scan)
}
