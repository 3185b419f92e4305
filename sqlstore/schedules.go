package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

// Schedules are stored whole, as the JSON of oncall.Schedule, beside the
// columns that look-ups and lists need; all the math happens in package
// oncall on the decoded value.

// CreateSchedule stores a new schedule, giving it an ID if it has none.
// Override times are kept in UTC to the microsecond, and s gets them back
// so. EInvalid naming the problem if it does not validate (oncall.Schedule
// .Validate) or has no name; EConflict if the name is taken.
func (s *Store) CreateSchedule(ctx context.Context, sch *oncall.Schedule) error {
	if sch.ID == "" {
		id, err := newID()
		if err != nil {
			return err
		}
		sch.ID = id
	}
	def, err := scheduleDefinition(sch)
	if err != nil {
		return err
	}
	_, err = s.exec(ctx, "INSERT INTO schedules (id, name, time_zone, definition) VALUES (?, ?, ?, ?)",
		sch.ID, sch.Name, sch.TimeZone, def)
	return scheduleError(err, sch)
}

// UpdateSchedule replaces a schedule. ENotFound, EInvalid, EConflict as
// for CreateSchedule.
func (s *Store) UpdateSchedule(ctx context.Context, sch *oncall.Schedule) error {
	def, err := scheduleDefinition(sch)
	if err != nil {
		return err
	}
	res, err := s.exec(ctx, "UPDATE schedules SET name = ?, time_zone = ?, definition = ? WHERE id = ?",
		sch.Name, sch.TimeZone, def, sch.ID)
	if err != nil {
		return scheduleError(err, sch)
	}
	return oneRow(res, "schedule", sch.ID)
}

// scheduleDefinition validates a schedule, normalizes its times and
// encodes it.
func scheduleDefinition(sch *oncall.Schedule) (string, error) {
	if strings.TrimSpace(sch.Name) == "" {
		return "", warroom.Invalid("name", "a schedule needs a name")
	}
	// Validate names the schedule by its ID; the name says more to the
	// person who made it.
	named := *sch
	named.ID = sch.Name
	if err := named.Validate(); err != nil {
		return "", warroom.Errorf(warroom.EInvalid, "%s", strings.TrimPrefix(err.Error(), "oncall: "))
	}
	for i := range sch.Overrides {
		o := &sch.Overrides[i]
		o.Start, o.End = normTime(o.Start), normTime(o.End)
	}
	return marshal(sch)
}

func scheduleError(err error, sch *oncall.Schedule) error {
	switch {
	case err == nil:
		return nil
	case uniqueOn(err, "schedules_name_key", "schedules.name"):
		return conflict("name", "a schedule named %q exists", sch.Name)
	case isUnique(err):
		return conflict("id", "a schedule with ID %s exists", sch.ID)
	}
	return fmt.Errorf("sqlstore: store schedule: %w", err)
}

// FindSchedule returns a schedule by ID or name; ENotFound.
func (s *Store) FindSchedule(ctx context.Context, idOrName string) (*oncall.Schedule, error) {
	sch, err := scanSchedule(s.queryRow(ctx, "SELECT id, name, time_zone, definition FROM schedules WHERE id = ? OR name = ?", idOrName, idOrName))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, warroom.Errorf(warroom.ENotFound, "no schedule %q", idOrName)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlstore: find schedule: %w", err)
	}
	return sch, nil
}

// ListSchedules returns every schedule, by name.
func (s *Store) ListSchedules(ctx context.Context) ([]*oncall.Schedule, error) {
	rows, err := s.query(ctx, "SELECT id, name, time_zone, definition FROM schedules ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list schedules: %w", err)
	}
	return collect(rows, scanSchedule)
}

// scanSchedule decodes a schedule; its columns win over the copy of them
// inside the definition.
func scanSchedule(r scanner) (*oncall.Schedule, error) {
	sch := &oncall.Schedule{}
	var id, name, zone string
	if err := r.Scan(&id, &name, &zone, jsonCol{sch}); err != nil {
		return nil, err
	}
	sch.ID, sch.Name, sch.TimeZone = id, name, zone
	return sch, nil
}
