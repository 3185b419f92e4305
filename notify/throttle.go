package notify

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// Window limits sends to one destination: at most Count sends in any period
// of length Per.
type Window struct {
	Count int
	Per   time.Duration
}

// String renders the window for people, e.g. "5 per 1m" or "20 per 1h".
func (w Window) String() string {
	return strconv.Itoa(w.Count) + " per " + shortDuration(w.Per)
}

// shortDuration prints whole hours and minutes without the trailing zero
// units of time.Duration.String ("1h", not "1h0m0s").
func shortDuration(d time.Duration) string {
	switch {
	case d > 0 && d%time.Hour == 0:
		return strconv.FormatInt(int64(d/time.Hour), 10) + "h"
	case d > 0 && d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + "m"
	}
	return d.String()
}

// Throttle limits how often one destination (an inbox, a Slack channel, a
// webhook URL) is sent to, over several windows at once, as GoAlert does: a
// short window stops bursts and a long one stops a slow flood. A throttled
// message is delayed, never dropped.
//
// Throttle is a pure function of the past send times to a destination,
// which the engine keeps in its database. It holds no state, so every
// engine replica computes the same answer and a restart forgets nothing.
type Throttle struct {
	// Windows apply to every destination without an override. A message
	// may be sent only when every window allows it.
	Windows []Window
	// Overrides replaces Windows for specific destinations, matched
	// exactly (e.g. a shared team inbox that tolerates more mail).
	Overrides map[string][]Window
}

// DefaultThrottle returns the limits of a channel when the operator sets
// none. Each has a short window against bursts and a longer one against a
// slow flood, which the short one alone would let through at its full
// rate all day. They are generous enough that a real storm of incidents
// still gets through, only later (a throttled message waits, it is never
// dropped):
//
//   - email, 5 per 1m and 60 per 1h: an inbox belongs to a person, who
//     reads a handful of pages a minute at most; more is one storm's noise
//     burying the page that matters, and mail providers defer or
//     spam-folder a flood to one recipient. Sustained, one a minute.
//   - Slack (both channels), 1 per 1s and 30 per 1m: Slack's own limit is
//     about one message per second per channel, and answers 429 beyond
//     it; a channel that scrolls faster than people read is not read.
//   - webhook, 60 per 1m and 600 per 1h: a webhook is usually a machine
//     (an SMS or phone gateway, a ticketing or chat-ops bot), often one
//     URL shared by a whole team, so it takes more than an inbox; the hour
//     window holds a long storm to ten a minute, below the quotas of
//     typical gateways, so that the receiver does not start refusing (and
//     the phones behind it are not flooded).
func DefaultThrottle(channel string) Throttle {
	switch channel {
	case ChannelEmail:
		return Throttle{Windows: []Window{{Count: 5, Per: time.Minute}, {Count: 60, Per: time.Hour}}}
	case ChannelSlack, ChannelSlackWebhook:
		return Throttle{Windows: []Window{{Count: 1, Per: time.Second}, {Count: 30, Per: time.Minute}}}
	case ChannelWebhook:
		return Throttle{Windows: []Window{{Count: 60, Per: time.Minute}, {Count: 600, Per: time.Hour}}}
	}
	return Throttle{}
}

// Validate reports windows that cannot work: a Count below 1 would block a
// destination forever and a Per of 0 or less limits nothing. NextAllowed
// ignores such windows, so call Validate when loading configuration.
func (t Throttle) Validate() error {
	var errs []error
	check := func(where string, ws []Window) {
		for i, w := range ws {
			if w.Count < 1 {
				errs = append(errs, fmt.Errorf("notify: throttle %s window %d: count %d must be at least 1", where, i, w.Count))
			}
			if w.Per <= 0 {
				errs = append(errs, fmt.Errorf("notify: throttle %s window %d: period %s must be positive", where, i, w.Per))
			}
		}
	}
	check("default", t.Windows)
	for dest, ws := range t.Overrides {
		check("override for "+strconv.Quote(dest), ws)
	}
	return errors.Join(errs...)
}

// NextAllowed returns the earliest time at or after now when a message may
// be sent to dest, given history, the times of earlier sends to dest (in any
// order; it is not modified). When a window delays the send, reason names
// the window so the engine can show it on the message, e.g. "throttled: 5
// per 1m to this destination; next send at 2026-01-02T15:04:05Z". When
// nothing delays the send it returns now and "".
//
// A window {Count, Per} allows a send at t when fewer than Count sends
// happened in (t-Per, t]; so the earliest allowed t is Per after the
// Count-th most recent send. With several windows the latest such time wins.
// The reason deliberately omits dest: a Slack webhook URL is a secret.
func (t Throttle) NextAllowed(dest string, history []time.Time, now time.Time) (time.Time, string) {
	windows := t.Windows
	if ws, ok := t.Overrides[dest]; ok {
		windows = ws
	}
	if len(windows) == 0 || len(history) == 0 {
		return now, ""
	}
	// Newest first, so the Count-th most recent send is sorted[Count-1].
	sorted := slices.Clone(history)
	slices.SortFunc(sorted, func(a, b time.Time) int { return b.Compare(a) })

	next := now
	var by *Window
	for i := range windows {
		w := &windows[i]
		if w.Count < 1 || w.Per <= 0 || len(sorted) < w.Count {
			continue
		}
		if at := sorted[w.Count-1].Add(w.Per); at.After(next) {
			next, by = at, w
		}
	}
	if by == nil {
		return now, ""
	}
	return next, fmt.Sprintf("throttled: %s to this destination; next send at %s",
		by, next.UTC().Format(time.RFC3339))
}
