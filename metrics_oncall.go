package warroom

import (
	"sort"
	"time"
)

// OnCallHours says which local hours count as working and which as sleep
// when pages are weighed (seed 004's handoff+30 rule: "only rested,
// clear-headed SREs"). Hours are in each person's own time zone, so that
// a page at 03:00 for the person paged is a night page wherever the
// server runs, across DST changes too.
type OnCallHours struct {
	WorkStart, WorkEnd   int            // working hours [WorkStart, WorkEnd), 0-24
	WorkDays             []time.Weekday // the working days
	SleepStart, SleepEnd int            // sleep hours [SleepStart, SleepEnd), wrapping past midnight
}

// DefaultOnCallHours is 09:00-18:00 Monday to Friday at work, 23:00-07:00
// asleep.
var DefaultOnCallHours = OnCallHours{WorkStart: 9, WorkEnd: 18,
	WorkDays:   []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
	SleepStart: 23, SleepEnd: 7}

// Working reports whether local is within working hours.
func (h OnCallHours) Working(local time.Time) bool {
	working := false
	for _, d := range h.WorkDays {
		working = working || d == local.Weekday()
	}
	return working && local.Hour() >= h.WorkStart && local.Hour() < h.WorkEnd
}

// Asleep reports whether local is within sleep hours.
func (h OnCallHours) Asleep(local time.Time) bool {
	hr := local.Hour()
	if h.SleepStart <= h.SleepEnd {
		return hr >= h.SleepStart && hr < h.SleepEnd
	}
	return hr >= h.SleepStart || hr < h.SleepEnd
}

// PageRecord is one page sent to a person.
type PageRecord struct {
	UserID  string    `json:"user_id"`
	Channel string    `json:"channel"`
	SentAt  time.Time `json:"sent_at"`
}

// OnCallLoad is how often a person was paged, and when.
type OnCallLoad struct {
	UserID       string `json:"user_id"`
	Handle       string `json:"handle"`
	TimeZone     string `json:"time_zone"`
	Pages        int    `json:"pages"`
	OutsideHours int    `json:"outside_working_hours"`
	DuringSleep  int    `json:"during_sleep_hours"`
}

// OnCallLoads counts each person's pages, outside working hours and
// during sleep hours in their own time zone (UTC when theirs is unknown),
// most paged first.
func OnCallLoads(pages []PageRecord, users []*User, h OnCallHours) []OnCallLoad {
	byID := make(map[string]*User, len(users))
	for _, u := range users {
		byID[u.ID] = u
	}
	loads := map[string]*OnCallLoad{}
	zones := map[string]*time.Location{}
	for _, p := range pages {
		l := loads[p.UserID]
		if l == nil {
			l = &OnCallLoad{UserID: p.UserID, TimeZone: "UTC"}
			zones[p.UserID] = time.UTC
			if u := byID[p.UserID]; u != nil {
				l.Handle = u.Handle
				if loc, err := time.LoadLocation(u.TimeZone); err == nil && u.TimeZone != "" {
					l.TimeZone, zones[p.UserID] = u.TimeZone, loc
				}
			}
			loads[p.UserID] = l
		}
		local := p.SentAt.In(zones[p.UserID])
		l.Pages++
		if !h.Working(local) {
			l.OutsideHours++
		}
		if h.Asleep(local) {
			l.DuringSleep++
		}
	}
	out := make([]OnCallLoad, 0, len(loads))
	for _, l := range loads {
		out = append(out, *l)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Pages != out[j].Pages {
			return out[i].Pages > out[j].Pages
		}
		return out[i].Handle < out[j].Handle
	})
	return out
}
