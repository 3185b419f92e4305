package web

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

// oncallView is the on-call overview: every schedule with who is on call
// now.
type oncallView struct {
	base
	Schedules []scheduleNow
}

// scheduleNow is a schedule with the people on call at the moment (two
// during a handoff in a fall-back's repeated hour).
type scheduleNow struct {
	Schedule *oncall.Schedule
	OnCall   []*warroom.User
}

// oncallShow lists the schedules with who is on call now.
func (h *Handler) oncallShow(w http.ResponseWriter, r *http.Request) error {
	store, err := h.scheduleStore()
	if err != nil {
		return err
	}
	list, err := store.ListSchedules(r.Context())
	if err != nil {
		return err
	}
	slices.SortFunc(list, func(a, b *oncall.Schedule) int { return strings.Compare(a.Name, b.Name) })
	v := oncallView{base: h.base(r, "On-call")}
	who := h.people(r.Context())
	for _, sc := range list {
		ids, err := sc.OnCallAt(h.now())
		if err != nil {
			return err
		}
		row := scheduleNow{Schedule: sc}
		for _, id := range ids {
			row.OnCall = append(row.OnCall, who(id))
		}
		v.Schedules = append(v.Schedules, row)
	}
	return h.ok(w, "oncall_show", v)
}

// people returns a lookup of users by ID, reading each once; a user who
// no longer exists is shown by ID.
func (h *Handler) people(ctx context.Context) func(id string) *warroom.User {
	seen := map[string]*warroom.User{}
	return func(id string) *warroom.User {
		if u, ok := seen[id]; ok {
			return u
		}
		u, err := h.store.FindUser(ctx, id)
		if err != nil {
			u = &warroom.User{ID: id, Handle: id, Name: id}
		}
		seen[id] = u
		return u
	}
}
