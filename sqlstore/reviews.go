package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/warroom/warroom"
)

// This file keeps the Post Mortem Reviews and the holiday calendars their
// business days count (after the fire, issue 12).

// RecordReview locks the incident, calls decide with it and its review
// (nil if it has none) and stores the review decide returns and the
// events, in one transaction; a replayed idempotency key returns the
// stored review.
func (s *Store) RecordReview(ctx context.Context, idOrRef string, idem warroom.Idempotency,
	decide func(inc *warroom.Incident, cur *warroom.PostmortemReview) (*warroom.PostmortemReview, []warroom.Event, error)) (*warroom.PostmortemReview, error) {
	var r *warroom.PostmortemReview
	res, err := s.command(ctx, idem, func(t *tx) (*warroom.CommandResult, error) {
		res, err := s.updateIncident(ctx, t, idOrRef, func(inc *warroom.Incident) ([]warroom.Event, error) {
			cur, err := t.findReview(ctx, inc.ID)
			if warroom.ErrorCode(err) == warroom.ENotFound {
				cur, err = nil, nil
			}
			if err != nil {
				return nil, err
			}
			var events []warroom.Event
			r, events, err = decide(inc, cur)
			return events, err
		})
		if err != nil {
			return nil, err
		}
		data, err := marshal(r)
		if err != nil {
			return nil, err
		}
		_, err = t.exec(ctx, `INSERT INTO postmortem_reviews (incident_id, due_at, data, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (incident_id) DO UPDATE SET due_at = excluded.due_at, data = excluded.data, updated_at = excluded.updated_at`,
			r.IncidentID, t.d.timeArg(r.DueAt), data, t.d.timeArg(r.UpdatedAt))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: store review: %w", err)
		}
		return res, nil
	})
	if err != nil {
		return nil, err
	}
	if res.Replayed {
		return s.FindReview(ctx, res.Incident.ID)
	}
	return r, nil
}

// FindReview returns an incident's review; ENotFound.
func (s *Store) FindReview(ctx context.Context, incidentID string) (*warroom.PostmortemReview, error) {
	r := &warroom.PostmortemReview{}
	err := s.queryRow(ctx, "SELECT data FROM postmortem_reviews WHERE incident_id = ?", incidentID).Scan(jsonCol{r})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no Post Mortem Review for incident %s", incidentID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find review: %w", err)
	}
	return r, nil
}

func (t *tx) findReview(ctx context.Context, incidentID string) (*warroom.PostmortemReview, error) {
	r := &warroom.PostmortemReview{}
	err := t.queryRow(ctx, "SELECT data FROM postmortem_reviews WHERE incident_id = ?", incidentID).Scan(jsonCol{r})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no Post Mortem Review for incident %s", incidentID)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find review: %w", err)
	}
	return r, nil
}

// PutHolidayCalendar stores a calendar, replacing one of the same name.
func (s *Store) PutHolidayCalendar(ctx context.Context, c *warroom.HolidayCalendar) error {
	teams, err := marshal(nonNilStrings(c.Teams))
	if err != nil {
		return err
	}
	hs := c.Holidays
	if hs == nil {
		hs = []warroom.Holiday{}
	}
	days, err := marshal(hs)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, `INSERT INTO holiday_calendars (name, teams, holidays, imported_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET teams = excluded.teams, holidays = excluded.holidays, imported_at = excluded.imported_at`,
		c.Name, teams, days, s.d.timeArg(c.ImportedAt))
	if err != nil {
		return fmt.Errorf("sqlstore: store holiday calendar: %w", err)
	}
	return nil
}

func scanCalendar(r scanner) (*warroom.HolidayCalendar, error) {
	c := &warroom.HolidayCalendar{}
	err := r.Scan(&c.Name, jsonCol{&c.Teams}, jsonCol{&c.Holidays}, timeCol{&c.ImportedAt})
	return c, err
}

// FindHolidayCalendar returns a calendar by name; ENotFound.
func (s *Store) FindHolidayCalendar(ctx context.Context, name string) (*warroom.HolidayCalendar, error) {
	c, err := scanCalendar(s.queryRow(ctx, "SELECT name, teams, holidays, imported_at FROM holiday_calendars WHERE name = ?", name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no holiday calendar %q", name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find holiday calendar: %w", err)
	}
	return c, nil
}

// ListHolidayCalendars returns every calendar, by name.
func (s *Store) ListHolidayCalendars(ctx context.Context) ([]*warroom.HolidayCalendar, error) {
	rows, err := s.query(ctx, "SELECT name, teams, holidays, imported_at FROM holiday_calendars ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list holiday calendars: %w", err)
	}
	return collect(rows, scanCalendar)
}
