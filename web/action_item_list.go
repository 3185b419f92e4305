package web

import (
	"net/http"

	"github.com/warroom/warroom"
	"github.com/warroom/warroom/postmortem"
)

// actionItemListView is the action items page: the items the viewer may
// see, by target date, filtered by owner ("me" by default) and state.
type actionItemListView struct {
	base
	Items    []*postmortem.ItemView
	Owner    string
	Open     bool
	Statuses []warroom.ActionStatus
}

func (h *Handler) actionItemList(w http.ResponseWriter, r *http.Request) error {
	svc, err := h.postmortemService()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := &actionItemListView{base: h.base(r, "Action items"), Owner: q.Get("owner"), Open: q.Get("all") == "", Statuses: warroom.ActionStatuses}
	owner := v.Owner
	switch owner {
	case "":
		owner, v.Owner = currentUser(r).ID, "me"
	case "me":
		owner = currentUser(r).ID
	case "everyone":
		owner = ""
	}
	v.Items, err = svc.Items(r.Context(), actor(r), postmortem.ItemFilter{Owner: owner, Open: v.Open})
	if err != nil {
		return err
	}
	return h.ok(w, "action_item_list", v)
}
