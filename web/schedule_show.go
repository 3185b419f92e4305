package web

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/oncall"
)

// scheduleView is one schedule: who is on call now, its 14-day view and,
// for admins, the override form.
type scheduleView struct {
	base
	Schedule *oncall.Schedule
	OnCall   []*warroom.User
	Rotation *rotation
	// Who names the people of the view; Colour gives each person the
	// same colour class in every row ("p0".."p5"): the name is always
	// written too, colour only repeats it.
	Who    map[string]*warroom.User
	Colour map[string]string
	Users  []*warroom.User // for the override form
	Form   overrideForm
	// Problem is the override form's refusal; Done what it did.
	Problem *problem
	Done    string
}

// scheduleShow is a schedule's page.
func (h *Handler) scheduleShow(w http.ResponseWriter, r *http.Request) error {
	v, err := h.schedulePage(r)
	if err != nil {
		return err
	}
	v.Done = r.URL.Query().Get("done")
	return h.ok(w, "schedule_show", v)
}

// schedulePage reads what a schedule's page shows.
func (h *Handler) schedulePage(r *http.Request) (*scheduleView, error) {
	store, err := h.scheduleStore()
	if err != nil {
		return nil, err
	}
	ref := r.PathValue("schedule")
	sc, err := store.FindSchedule(r.Context(), ref)
	if warroom.ErrorCode(err) == warroom.ENotFound {
		return nil, warroom.Errorf(warroom.ENotFound, "schedule %s not found", ref)
	} else if err != nil {
		return nil, err
	}
	v := &scheduleView{base: h.base(r, sc.Name), Schedule: sc, Who: map[string]*warroom.User{}, Colour: map[string]string{}}
	who := h.people(r.Context())
	ids, err := sc.OnCallAt(h.now())
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		v.OnCall = append(v.OnCall, who(id))
	}
	if v.Rotation, err = buildRotation(sc, h.now()); err != nil {
		return nil, err
	}
	name := func(id string) {
		if _, ok := v.Who[id]; !ok {
			v.Who[id] = who(id)
			v.Colour[id] = "p" + string(rune('0'+len(v.Colour)%6))
		}
	}
	for _, row := range append(v.Rotation.Rows, v.Rotation.Final) {
		for _, s := range row.Spans {
			name(s.UserID)
		}
	}
	if v.IsAdmin() {
		if v.Users, err = h.store.ListUsers(r.Context()); err != nil {
			return nil, err
		}
		v.Form = defaultOverrideForm(sc, h.now())
	}
	return v, nil
}
