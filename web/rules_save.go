package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/warroom/warroom"
)

// rulesSave replaces the signed-in person's notification rules: when
// paged, use this contact method after so many minutes. Lines without a
// contact method are left out; warroom.ValidateNotificationRules
// decides, as for the API.
func (h *Handler) rulesSave(w http.ResponseWriter, r *http.Request) error {
	store, err := h.escalationStore()
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return warroom.Invalid("rules", "the form could not be read")
	}
	contacts, mins := r.PostForm["contact"], r.PostForm["minutes"]
	var rows []ruleRow
	var rules []warroom.NotificationRule
	for i, c := range contacts {
		row := ruleRow{ContactID: strings.TrimSpace(c)}
		if i < len(mins) {
			row.Minutes = strings.TrimSpace(mins[i])
		}
		rows = append(rows, row)
		if row.ContactID == "" {
			continue
		}
		n, err := strconv.Atoi(row.Minutes)
		if row.Minutes == "" {
			n, err = 0, nil
		}
		if err != nil {
			return h.profileProblem(w, r, "rules", warroom.Invalid("rules.delay", "a delay is a whole number of minutes, not %q", row.Minutes),
				func(v *profileView) { v.Rules = rows }, "rules.delay")
		}
		rules = append(rules, warroom.NotificationRule{ContactMethodID: row.ContactID, Delay: warroom.Duration(time.Duration(n) * time.Minute)})
	}
	me := currentUser(r)
	methods, err := store.ListContactMethods(r.Context(), me.ID)
	if err == nil {
		err = warroom.ValidateNotificationRules(me.Handle, rules, methods)
	}
	if err == nil {
		err = store.SetNotificationRules(r.Context(), me.ID, rules)
	}
	if err != nil {
		return h.profileProblem(w, r, "rules", err, func(v *profileView) { v.Rules = rows }, "rules", "rules.delay", "rules.contact_method_id")
	}
	return redirect(w, r, withDone("/profile", "Saved your notification rules."))
}
